/** Public API of @mesh/agent-api-gateway: the agent declaration and the in-process HTTP app. */
export { agent, gatewayDeps } from './agent.js';
export { createGateway, statusForFailedOrder, statusForError, REQUIRED_CAPABILITIES } from './app.js';
export type { GatewayOptions } from './app.js';
export { loadConfig } from './config.js';
export type { GatewayConfig } from './config.js';
export { portsFromProxies } from './mesh-ports.js';
export type { MeshPorts, MeshCallOptions, VerifiedToken } from './mesh-ports.js';
export { RateLimiter } from './rate-limiter.js';
export type { HitCounter } from './rate-limiter.js';
export { TokenCache } from './token-cache.js';
export { GatewayMetrics } from './metrics.js';
export { listen } from './server.js';
export type { ListeningServer } from './server.js';
export { orderBody, loginBody, validate } from './validation.js';
export type { OrderBody } from './validation.js';
