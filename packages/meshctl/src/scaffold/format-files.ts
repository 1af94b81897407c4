import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Prettier {
  format(text: string, options: Record<string, unknown>): Promise<string>;
  resolveConfig(file: string): Promise<Record<string, unknown> | null>;
}

/** The repository's own prettier (a root devDependency), or undefined where it is not installed. */
async function repositoryPrettier(root: string): Promise<Prettier | undefined> {
  try {
    const entry = createRequire(join(root, 'package.json')).resolve('prettier');
    const loaded = (await import(pathToFileURL(entry).href)) as Prettier & { default?: Prettier };
    return typeof loaded.format === 'function' ? loaded : loaded.default;
  } catch {
    return undefined;
  }
}

/**
 * Formats written files the way `pnpm lint` checks them, with the repository's prettier and its config, so a
 * new agent passes lint as written. Without prettier installed the files stay as the template wrote them
 * (valid, and close to the formatter's output).
 */
export async function formatFiles(
  root: string,
  files: ReadonlyMap<string, string>,
): Promise<Map<string, string>> {
  const prettier = await repositoryPrettier(root);
  if (prettier === undefined) return new Map(files);
  const formatted = new Map<string, string>();
  for (const [path, text] of files) {
    const file = join(root, path);
    const config = (await prettier.resolveConfig(file)) ?? {};
    formatted.set(path, await prettier.format(text, { ...config, filepath: file }));
  }
  return formatted;
}
