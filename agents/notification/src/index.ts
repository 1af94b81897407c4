/** Public API of @mesh/agent-notification: the agent declaration and its domain pieces. */
export { agent } from './agent.js';
export type { NotificationServices } from './agent.js';
export { loadConfig } from './config.js';
export type { NotificationAgentConfig } from './config.js';
export { NotificationService } from './notification-service.js';
export type { NotificationReceipt } from './notification-service.js';
export { Dispatcher } from './dispatcher.js';
export { SmtpChannel } from './smtp-channel.js';
export { createHttpChannel } from './http-channel.js';
export { PermanentFailure } from './channels.js';
export { NotificationMetrics } from './metrics.js';
export { buildNotificationServices } from './services.js';
