import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDevLoop, type DevCycle } from './dev-loop.js';

/** A package like an agent's: tsconfig.build.json over src/, TypeScript resolvable from it. */
function makePackage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-dev-'));
  mkdirSync(join(dir, 'src'));
  mkdirSync(join(dir, 'node_modules'));
  const typescript = dirname(createRequire(import.meta.url).resolve('typescript/package.json'));
  symlinkSync(typescript, join(dir, 'node_modules', 'typescript'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'dev-fixture', type: 'module' }));
  const compilerOptions = {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    isolatedModules: true,
    sourceMap: true,
    rootDir: 'src',
    outDir: 'dist',
    types: [],
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }));
  writeFileSync(
    join(dir, 'tsconfig.build.json'),
    JSON.stringify({ extends: './tsconfig.json', exclude: ['src/**/*.test.ts'] }),
  );
  writeFileSync(join(dir, 'src', 'greeting.ts'), "export const greeting: string = 'hello';\n");
  return dir;
}

describe('meshctl dev loop', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('transpiles a saved file into dist and restarts once per save; a syntax error restarts nothing', async () => {
    const dir = makePackage();
    dirs.push(dir);
    const stop = new AbortController();
    const lines: string[] = [];
    const cycles: DevCycle[] = [];
    let restarts = 0;
    const loop = runDevLoop(
      {
        packageDir: dir,
        restart: async () => {
          restarts += 1;
        },
        log: (line) => lines.push(line),
        signal: stop.signal,
        debounceMs: 50,
        typecheck: false,
      },
      (cycle) => cycles.push(cycle),
    );
    const waitFor = async (what: string, check: () => boolean): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`${what}; log:\n${lines.join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    try {
      await waitFor('watching', () => lines.some((line) => line.includes('watching')));
      writeFileSync(join(dir, 'src', 'greeting.ts'), "export const greeting: string = 'hello, mesh';\n");
      await waitFor('a cycle', () => cycles.length === 1);
      const out = readFileSync(join(dir, 'dist', 'greeting.js'), 'utf8');
      expect(out).toContain("export const greeting = 'hello, mesh';");
      expect(existsSync(join(dir, 'dist', 'greeting.js.map'))).toBe(true);
      expect(cycles[0]).toMatchObject({ files: ['src/greeting.ts'] });
      expect(restarts).toBe(1);

      // A test file is not part of the build; a syntax error is reported and nothing restarts.
      writeFileSync(join(dir, 'src', 'greeting.test.ts'), 'export {};\n');
      writeFileSync(join(dir, 'src', 'broken.ts'), 'export const = ;\n');
      await waitFor('the error reported', () => lines.some((line) => line.includes('not restarted')));
      expect(restarts).toBe(1);
      expect(existsSync(join(dir, 'dist', 'greeting.test.js'))).toBe(false);
      expect(lines.join('\n')).toMatch(/src\/broken\.ts: .*expected/);
    } finally {
      stop.abort();
      await loop;
    }
  });
});
