import type { Logger } from '@mesh/common';

/**
 * Closes `server` at the first SIGTERM or SIGINT and exits 0, or 1 when it did not close cleanly; a second
 * signal while closing is ignored. `what` names the sandbox in the log lines ("payment sandbox stopping").
 */
export function stopOnSignals(what: string, server: { close(): Promise<void> }, logger: Logger): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${what} stopping`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, `${what} did not stop cleanly`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
