import { parseEnvConfig } from '@mesh/common';
import { meshEnvSchema, runAgentMain } from '../index.js';
import { agent } from './greeter-agent.js';

await runAgentMain({
  agent,
  loadConfig: () => parseEnvConfig(meshEnvSchema, process.env, 'greeter'),
  build: () => ({ app: undefined }),
});
