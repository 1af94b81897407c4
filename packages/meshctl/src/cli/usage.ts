import type { Command, HelpEntry } from './command.js';

const SYNOPSIS_WIDTH = 31;
const INDENT = ' '.repeat(SYNOPSIS_WIDTH + 2);

/** One synopsis, then its summary beside it (or below, when the synopsis is long). */
function formatEntry(entry: HelpEntry): string[] {
  const [first = '', ...more] = entry.summary.split('\n');
  const head =
    entry.usage.length < SYNOPSIS_WIDTH
      ? [`  ${entry.usage.padEnd(SYNOPSIS_WIDTH)}${first}`]
      : [`  ${entry.usage}`, `${INDENT}${first}`];
  return [...head, ...more.map((line) => `${INDENT}${line}`)];
}

/** One command's help (every subcommand of a group). */
export function formatCommandHelp(command: Command): string {
  return command.help.flatMap(formatEntry).join('\n');
}

const COMMON = `Common options: --root DIR (repo root), --file architecture.yml, --registry-url URL
Environment: MCP_MESH_REGISTRY_URL, DEPENDENCY_TIMEOUT (default 30s), MESH_STOP_GRACE (10s),
             MESH_HOME (default <root>/.mesh), MESH_PORT_OFFSET, MESH_DATABASE_PREFIX, MESH_MODE (auto|local|docker),
             MESH_CPU_PROFILE_DIR (local: every process writes a CPU profile there when it stops),
             Docker: COMPOSE_PROJECT_NAME (agent-mesh), MESH_COMPOSE_LAYERS (a,b), MESH_COMPOSE_SKIP (services
             not to start), MESH_PUBLISH_HOST (127.0.0.1),
             MCP_MESH_TLS_MODE (strict unless off), MCP_MESH_TRUST_DOMAIN (mesh.local),
             MCP_MESH_TLS_CERT/_KEY/_CA (an operator certificate; default <home>/tls/operator/meshctl.*)`;

/** The whole help, generated from the command table. */
export function formatUsage(commands: readonly Command[]): string {
  return [
    'meshctl — run and inspect a mesh of MCP agents',
    '',
    'Usage: meshctl <command> [options]        meshctl help <command>',
    '',
    ...commands.map(formatCommandHelp),
    '',
    COMMON,
  ].join('\n');
}
