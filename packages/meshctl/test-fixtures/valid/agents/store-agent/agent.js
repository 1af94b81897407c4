import { fakeAgent } from '../../../fake-agent.js';

export const agent = fakeAgent('store-agent', ['data_get', 'data_put']);
