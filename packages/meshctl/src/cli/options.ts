import type { parseArgs } from 'node:util';
import { NEW_AGENT_OPTIONS } from '../scaffold/new-agent-command.js';

/**
 * Every option any command takes, for `node:util` parseArgs. One set for all commands: a command reads the ones
 * its usage line names and ignores the rest.
 */
export const CLI_OPTIONS = {
  root: { type: 'string' },
  file: { type: 'string' },
  'registry-url': { type: 'string' },
  'env-file': { type: 'string' },
  detach: { type: 'boolean', short: 'd' },
  json: { type: 'boolean' },
  format: { type: 'string' },
  replica: { type: 'string' },
  lines: { type: 'string', short: 'n' },
  follow: { type: 'boolean', short: 'f' },
  proxy: { type: 'boolean' },
  url: { type: 'string' },
  orders: { type: 'string' },
  concurrency: { type: 'string' },
  victims: { type: 'string' },
  system: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  parallel: { type: 'boolean' },
  dir: { type: 'string' },
  rotate: { type: 'boolean' },
  hosts: { type: 'string' },
  'trust-domain': { type: 'string' },
  days: { type: 'string' },
  layer: { type: 'string', multiple: true },
  profile: { type: 'string' },
  volumes: { type: 'boolean' },
  version: { type: 'string' },
  canary: { type: 'string' },
  auto: { type: 'boolean' },
  'max-error-margin': { type: 'string' },
  interval: { type: 'string' },
  steps: { type: 'string' },
  'min-calls': { type: 'string' },
  prometheus: { type: 'string' },
  ...NEW_AGENT_OPTIONS,
} as const;

/** The parsed options, as parseArgs types them. */
export type CliValues = ReturnType<
  typeof parseArgs<{ options: typeof CLI_OPTIONS; allowPositionals: true }>
>['values'];
