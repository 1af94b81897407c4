import { parseEnvConfig } from '@mesh/common';
import { meshEnvSchema, runAgent, toMeshConfig } from '../index.js';
import { agent } from './greeter-agent.js';

const config = parseEnvConfig(meshEnvSchema, process.env, 'greeter');
await runAgent(agent, { app: undefined, mesh: toMeshConfig(config) });
