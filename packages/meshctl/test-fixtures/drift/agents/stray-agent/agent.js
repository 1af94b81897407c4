import { fakeAgent } from '../../../fake-agent.js';

export const agent = fakeAgent('stray-agent', ['stray_cap']);
