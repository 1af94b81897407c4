import { readFileSync } from 'node:fs';
import { MeshError } from '@mesh/common';

/**
 * Parses a dotenv-style file: `KEY=value`, optional `export `, `#` comments, single or double quotes
 * (double quotes understand \n). No variable expansion: what is written is what the agent gets.
 */
export function parseEnvFile(text: string, file = '.env'): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new MeshError('VALIDATION_FAILED', `${file}:${index + 1}: expected KEY=value`);
    let value = match[2] ?? '';
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      value = value.slice(1, -1).replace(/\\n/g, '\n').replace(/\\"/g, '"');
    } else if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) {
      value = value.slice(1, -1);
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    out[match[1]!] = value;
  });
  return out;
}

export function readEnvFile(path: string): Record<string, string> {
  try {
    return parseEnvFile(readFileSync(path, 'utf8'), path);
  } catch (error: unknown) {
    if (error instanceof MeshError) throw error;
    throw new MeshError('NOT_FOUND', `cannot read env file ${path}`, { cause: error });
  }
}
