// Fixture: a consumer-only agent (an HTTP edge) declaring what it calls at the top level of its manifest.
export const agent = {
  manifest: () => ({
    name: 'web-gateway',
    version: '1.0.0',
    tools: [],
    dependencies: [{ name: 'shop', capability: 'shop_buy', tags: [] }],
  }),
};
