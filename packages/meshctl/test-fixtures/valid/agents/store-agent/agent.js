// Fixture: a declaration module like an agent's dist/agent.js (no side effects on import).
const provides = ['data_get', 'data_put'];
const deps = [];
export const agent = {
  manifest: () => ({
    name: 'store-agent',
    version: '1.0.0',
    tools: provides.map((capability, i) => ({
      name: capability,
      capability,
      version: '1.0.0',
      tags: [],
      dependencies: i === 0 ? deps.map((capability) => ({ name: capability, capability, tags: [] })) : [],
    })),
  }),
};
