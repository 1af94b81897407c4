import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const smoke = readFileSync(join(root, 'scripts/compose-smoke.sh'), 'utf8');

/** The command lines of the README block marked as the ones the smoke script runs (comments dropped). */
function readmeDockerCommands(): string[] {
  const marker = '<!-- the commands scripts/compose-smoke.sh runs -->';
  const start = readme.indexOf(marker);
  expect(start, `README.md has no "${marker}" block`).toBeGreaterThan(-1);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start));
  expect(block, 'the marker is followed by a ```sh block').not.toBeNull();
  return block![1]!
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '');
}

describe('scripts/compose-smoke.sh and the README', () => {
  it("runs exactly the README's Docker commands, in the README's order", () => {
    const lines = smoke.split('\n').map((line) => line.trim());
    let position = -1;
    for (const command of readmeDockerCommands()) {
      const next = lines.findIndex((line, index) => index > position && line === command);
      expect(next, `the smoke script runs "${command}" after the README's previous command`).toBeGreaterThan(
        -1,
      );
      position = next;
    }
  });

  it("places the README's order with the README's own lines (read from README.md, not copied)", () => {
    expect(smoke).toContain(`sed -n '/^PRICE=\\$(curl/,/^# {"status"/p' README.md`);
    const order = /```sh\n(PRICE=\$\(curl[\s\S]*?)```/.exec(readme);
    expect(order, 'README.md has the order block the smoke script reads').not.toBeNull();
    expect(order![1]).toMatch(/localhost:8080\/orders/);
    expect(order![1]).toMatch(/\n# \{"status":"completed"/);
  });

  it('ends with the closing line and stops what it started', () => {
    expect(smoke).toMatch(
      /echo "compose: \$layers_up layers up, \$completed_total orders completed, \$failed_total failed, invariants hold/,
    );
    expect(smoke).toMatch(/trap cleanup EXIT/);
    expect(smoke).toMatch(/scripts\/docker\/engine\.sh down/);
    expect(smoke).toMatch(/scripts\/docker\/egress\.sh unblock/);
  });
});
