/**
 * The Node flags that make a started process write a V8 CPU profile into `dir` (created by Node) when it
 * exits. Node refuses `--cpu-prof` in NODE_OPTIONS, so the start passes it on each process's command line,
 * which a restart reuses.
 */
export function cpuProfileFlags(dir: string | undefined): string[] {
  return dir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}
