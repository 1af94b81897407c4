import { rename, writeFile } from 'node:fs/promises';

/**
 * Writes `content` beside `path`, then renames it over `path`: a reader never sees half a file, and the
 * model source's watcher sees the change as one rename (how the trainer publishes a model).
 */
export async function replaceFile(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}
