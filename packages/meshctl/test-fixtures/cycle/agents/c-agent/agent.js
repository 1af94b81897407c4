import { fakeAgent } from '../../../fake-agent.js';

export const agent = fakeAgent('c-agent', ['c_cap'], ['a_cap']);
