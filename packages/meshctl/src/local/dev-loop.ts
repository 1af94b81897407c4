import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

import type * as TypeScriptModule from 'typescript';

type TypeScript = typeof TypeScriptModule;

export interface DevLoopOptions {
  /** The agent's package directory (agents/user). */
  packageDir: string;
  /** Puts the new build live (meshctl: a rolling restart of the agent's replicas). */
  restart: () => Promise<void>;
  log: (line: string) => void;
  signal: AbortSignal;
  /** Quiet period after the last change before a rebuild (editors write several files at once). */
  debounceMs?: number;
  /** Type-check the package in the background after each rebuild (default true). */
  typecheck?: boolean;
}

/** What one rebuild did, for the log line and the tests. */
export interface DevCycle {
  files: string[];
  transpileMs: number;
  restartMs: number;
}

/**
 * `meshctl dev <agent>`: watches the agent's `src/`, and on every save transpiles the changed files into
 * `dist/` with TypeScript's per-file transpiler (the packages compile with isolatedModules, so each file stands
 * alone: tens of milliseconds, not a whole-program build), then calls `restart`. A type check of the package runs
 * in the background after each cycle and prints its errors without holding the change back; `pnpm build`
 * remains the full build (declarations included). Changes during a cycle are picked up by the next one.
 */
export async function runDevLoop(
  options: DevLoopOptions,
  onCycle?: (cycle: DevCycle) => void,
): Promise<void> {
  const ts = loadTypeScript(options.packageDir);
  const config = readBuildConfig(ts, options.packageDir);
  const sourceDir = config.rootDir;
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let cycle: Promise<void> = Promise.resolve();
  let checking: ReturnType<typeof spawn> | undefined;

  const runCycle = async (): Promise<void> => {
    if (pending.size === 0 || options.signal.aborted) return;
    const files = [...pending];
    pending.clear();
    const started = Date.now();
    const errors: string[] = [];
    for (const file of files) {
      try {
        emit(ts, config, file);
      } catch (error: unknown) {
        errors.push(`${relative(options.packageDir, file)}: ${String(error)}`);
      }
    }
    const transpileMs = Date.now() - started;
    if (errors.length > 0) {
      for (const line of errors) options.log(`dev: ${line}`);
      options.log('dev: not restarted (fix the errors above and save again)');
      return;
    }
    const restartStarted = Date.now();
    try {
      await options.restart();
    } catch (error: unknown) {
      options.log(`dev: restart failed: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const result: DevCycle = {
      files: files.map((file) => relative(options.packageDir, file)),
      transpileMs,
      restartMs: Date.now() - restartStarted,
    };
    options.log(
      `dev: ${result.files.join(', ')} live in ${result.transpileMs + result.restartMs} ms ` +
        `(transpile ${result.transpileMs} ms, rolling restart ${result.restartMs} ms)`,
    );
    onCycle?.(result);
    if (options.typecheck !== false) checking = typecheck(options.packageDir, options.log, checking);
  };

  const watcher = watch(sourceDir, { recursive: true }, (_event, name) => {
    if (name === null) return;
    const file = resolve(sourceDir, name.toString());
    if (!file.endsWith('.ts') || file.endsWith('.d.ts') || isExcluded(file)) return;
    pending.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => {
      cycle = cycle.then(runCycle);
    }, options.debounceMs ?? 100);
  });
  options.log(`dev: watching ${relative(process.cwd(), sourceDir) || sourceDir}; Ctrl-C stops`);
  await new Promise<void>((resolveStop) => {
    if (options.signal.aborted) resolveStop();
    options.signal.addEventListener('abort', () => resolveStop(), { once: true });
  });
  watcher.close();
  clearTimeout(timer);
  await cycle;
  checking?.kill('SIGTERM');
}

/** Test files and test helpers are not part of the build (tsconfig.build.json excludes them). */
function isExcluded(file: string): boolean {
  const base = file.split('/').pop() ?? '';
  return base.endsWith('.test.ts') || base.startsWith('test-');
}

interface BuildConfig {
  rootDir: string;
  outDir: string;
  compilerOptions: TypeScriptModule.CompilerOptions;
}

function loadTypeScript(packageDir: string): TypeScript {
  const require = createRequire(join(packageDir, 'package.json'));
  return require('typescript') as TypeScript;
}

function readBuildConfig(ts: TypeScript, packageDir: string): BuildConfig {
  const configFile = ['tsconfig.build.json', 'tsconfig.json']
    .map((name) => join(packageDir, name))
    .find((path) => existsSync(path));
  if (configFile === undefined) throw new Error(`${packageDir}: no tsconfig.build.json or tsconfig.json`);
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configFile,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (parsed === undefined) throw new Error(`${configFile}: cannot be read`);
  const rootDir = parsed.options.rootDir ?? join(packageDir, 'src');
  const outDir = parsed.options.outDir ?? join(packageDir, 'dist');
  // The per-file transpiler cannot see that NodeNext means ES modules in a "type": "module" package.
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { type?: string };
  const nodeNext =
    parsed.options.module === ts.ModuleKind.NodeNext || parsed.options.module === ts.ModuleKind.Node16;
  const compilerOptions =
    nodeNext && manifest.type === 'module'
      ? { ...parsed.options, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler }
      : parsed.options;
  return { rootDir, outDir, compilerOptions };
}

/** Transpiles one source file into the output directory, or removes its output when it was deleted. */
function emit(ts: TypeScript, config: BuildConfig, file: string): void {
  const out = join(config.outDir, relative(config.rootDir, file)).replace(/\.ts$/, '.js');
  if (!existsSync(file)) {
    rmSync(out, { force: true });
    rmSync(`${out}.map`, { force: true });
    return;
  }
  const result = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: config.compilerOptions,
    fileName: file,
    reportDiagnostics: true,
  });
  const syntaxErrors = (result.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (syntaxErrors.length > 0) {
    throw new Error(syntaxErrors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')).join('; '));
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, result.outputText);
  if (result.sourceMapText !== undefined) writeFileSync(`${out}.map`, result.sourceMapText);
}

/** `tsc --noEmit` of the package in the background; a previous check still running is stopped first. */
function typecheck(
  packageDir: string,
  log: (line: string) => void,
  previous: ReturnType<typeof spawn> | undefined,
): ReturnType<typeof spawn> {
  previous?.kill('SIGTERM');
  const tsc = createRequire(join(packageDir, 'package.json')).resolve('typescript/bin/tsc');
  const child = spawn(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.json'], {
    cwd: packageDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.on('exit', (code, signal) => {
    if (signal !== null) return;
    if (code === 0) log('dev: type check passed');
    else for (const line of output.trim().split('\n')) log(`dev: type error: ${line}`);
  });
  return child;
}
