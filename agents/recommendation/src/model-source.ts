import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from '@mesh/common';
import { modelProblem, type RecommendationModel } from './model.js';

export interface ModelSourceOptions {
  path: string;
  /** Events closer together than this make one reload (a writer's several writes, an editor's save). */
  debounceMs: number;
  /** A larger file is refused without being read. */
  maxBytes: number;
  logger: Logger;
  /** Told every finished reload, whatever its outcome (metrics attach here). */
  onReload?: (outcome: LoadOutcome) => void;
}

/** Why a load did not change the model (`missing`: there was no file to read), or that it did. */
export type LoadOutcome =
  { loaded: true; model: RecommendationModel } | { loaded: false; reason: string; missing: boolean };

/**
 * The model in ML_MODEL_PATH: read at start and again whenever the file changes (fs.watch on its directory,
 * so a file replaced by rename, as the trainer writes it, is seen; debounced). A file that is missing, too
 * large, not JSON or not a model keeps the model already loaded, and the log says why.
 */
export class ModelSource {
  readonly #options: ModelSourceOptions;
  #model: RecommendationModel | undefined;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reloading: Promise<LoadOutcome> | undefined;
  /** Counts every finished reload attempt (tests wait on it). */
  reloads = 0;

  constructor(options: ModelSourceOptions) {
    this.#options = options;
  }

  get model(): RecommendationModel | undefined {
    return this.#model;
  }

  /** Loads the file if it is there, then watches its directory (created when missing). */
  async start(): Promise<void> {
    const outcome = await this.reload();
    if (!outcome.loaded)
      this.#options.logger.info({ path: this.#options.path, reason: outcome.reason }, 'no model loaded yet');
    const dir = dirname(this.#options.path);
    const name = basename(this.#options.path);
    try {
      await mkdir(dir, { recursive: true });
      this.#watcher = watch(dir, (_event, file) => {
        if (file !== null && file !== name) return;
        clearTimeout(this.#timer);
        this.#timer = setTimeout(() => void this.reload(), this.#options.debounceMs);
      });
    } catch (e: unknown) {
      // A read-only or missing directory must not stop the agent: it answers from its fallbacks.
      this.#options.logger.warn(
        { err: e instanceof Error ? e.message : String(e), dir },
        'model directory cannot be watched; the model is not reloaded (set ML_MODEL_PATH to a writable place)',
      );
      return;
    }
    this.#watcher.on('error', (error: Error) => {
      this.#options.logger.warn({ err: error.message, dir }, 'model directory watch failed; reloads stop');
    });
  }

  /** Reads and checks the file; swaps the model only when it is valid. One reload at a time. */
  reload(): Promise<LoadOutcome> {
    this.#reloading ??= this.#load()
      .then((outcome) => {
        this.#options.onReload?.(outcome);
        return outcome;
      })
      .finally(() => {
        this.#reloading = undefined;
        this.reloads += 1;
      });
    return this.#reloading;
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#watcher?.close();
  }

  async #load(): Promise<LoadOutcome> {
    const { path, maxBytes, logger } = this.#options;
    const refuse = (reason: string, missing = false): LoadOutcome => {
      if (this.#model !== undefined) {
        logger.warn(
          { path, reason, kept: this.#model.trained_at },
          'model file refused; the loaded model stays',
        );
      }
      return { loaded: false, reason, missing };
    };
    let text: string;
    try {
      const info = await stat(path);
      if (info.size > maxBytes)
        return refuse(`the file has ${info.size} bytes, more than ML_MODEL_MAX_BYTES (${maxBytes})`);
      text = await readFile(path, 'utf8');
    } catch (e: unknown) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOENT') return refuse('no file', true);
      return refuse(`unreadable: ${e instanceof Error ? e.message : String(e)}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e: unknown) {
      return refuse(`not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    const problem = modelProblem(value);
    if (problem !== undefined) return refuse(`not a model: ${problem}`);
    const model = value as RecommendationModel;
    this.#model = model;
    logger.info(
      {
        path,
        trained_at: model.trained_at,
        orders: model.orders,
        skus: Object.keys(model.neighbours).length,
      },
      'recommendation model loaded',
    );
    return { loaded: true, model };
  }
}
