import { meshEnvSchema, runAgent, toMeshConfig } from '@mesh/runtime';
import { parseEnvConfig } from '@mesh/common';
import { agent } from './agent.js';

const config = parseEnvConfig(meshEnvSchema, process.env, 'echo-agent');
await runAgent(agent, { app: undefined, mesh: toMeshConfig(config) });
