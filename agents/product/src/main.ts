import { runAgentMain } from '@mesh/runtime';
import { agent } from './agent.js';
import { loadConfig } from './config.js';
import { buildServices } from './services.js';

// Start-up, signals and shutdown are the runtime's (runAgentMain); this agent's own part is services.ts.
await runAgentMain({ agent, loadConfig, build: buildServices });
