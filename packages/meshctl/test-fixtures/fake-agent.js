// Fixture helper: a declaration module like an agent's dist/agent.js (no side effects on import), providing
// `provides` as tools; the first tool declares `deps`.
export function fakeAgent(name, provides, deps = []) {
  return {
    manifest: () => ({
      name,
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
}
