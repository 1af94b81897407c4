import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dockerfile = readFileSync(join(root, 'deploy/Dockerfile'), 'utf8');

describe('deploy/Dockerfile', () => {
  it('names no frontend image, so BuildKit builds with its built-in one and works offline', () => {
    // A `# syntax=` directive makes BuildKit pull the named frontend from an image registry before building.
    expect(dockerfile).not.toMatch(/^#\s*syntax\s*=/im);
  });
});
