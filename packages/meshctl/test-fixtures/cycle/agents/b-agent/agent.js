import { fakeAgent } from '../../../fake-agent.js';

export const agent = fakeAgent('b-agent', ['b_cap'], ['c_cap']);
