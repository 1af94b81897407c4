/** Public API of the package: the declaration (for tests and tools), the configuration, the model and training. */
export { agent } from './agent.js';
export { loadConfig, defaultModelPath } from './config.js';
export { MODEL_FORMAT, modelProblem, modelSchema } from './model.js';
export type { RecommendationModel } from './model.js';
export { ModelSource } from './model-source.js';
export { Recommender, fromModel } from './recommender.js';
export { trainModel, defaultTrainOptions } from './train.js';
export type { OrderRecord, TrainOptions } from './train.js';
export { completedOrders, bestSellers } from './order-history.js';
export { train } from './train-command.js';
