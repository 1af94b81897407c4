import { fakeAgent } from '../../../fake-agent.js';

export const agent = fakeAgent('a-agent', ['a_cap'], ['b_cap']);
