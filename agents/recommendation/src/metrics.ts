import type { Counter, Gauge } from 'prom-client';
import { Registry } from 'prom-client';
import { metricsIn } from '@mesh/common';
import type { LoadOutcome } from './model-source.js';
import type { RecommendationSource } from './recommender.js';

const SOURCES: readonly RecommendationSource[] = ['model', 'best_sellers', 'catalogue'];
/** A reload loaded a model, found no file (the model in memory stays), or refused the file (it stays too). */
const RELOAD_OUTCOMES = ['loaded', 'missing', 'refused'] as const;

/**
 * The recommendation agent's own metrics: where answers came from, and the model behind them (when it was
 * trained, on how many orders, whether the file on disk is one it refused). In a registry of their own so the
 * runtime's /metrics can include them.
 */
export class RecommendationMetrics {
  readonly registry = new Registry();
  readonly answers: Counter<'source'>;
  readonly reloads: Counter<'outcome'>;
  readonly trainedAt: Gauge;
  readonly modelOrders: Gauge;
  readonly fileRefused: Gauge;

  constructor() {
    const metric = metricsIn(this.registry);
    this.answers = metric.counter(
      'recommendation_answers_total',
      'Recommendations answered, by source: model, best_sellers (no model yet), catalogue (no order history either).',
      ['source'],
    );
    this.reloads = metric.counter(
      'recommendation_model_reloads_total',
      'Reads of the model file by outcome: loaded, missing (no file), refused (not a valid model; the loaded model stays).',
      ['outcome'],
    );
    this.trainedAt = metric.gauge(
      'recommendation_model_trained_timestamp_seconds',
      'When the model in memory was trained (Unix time; 0 while there is none). Its age is time() minus this.',
    );
    this.modelOrders = metric.gauge(
      'recommendation_model_orders',
      'Completed orders the model in memory was trained on (0: none, or no model).',
    );
    this.fileRefused = metric.gauge(
      'recommendation_model_file_refused',
      '1 while the model file is one the last reload refused (the agent serves an older model or its fallbacks).',
    );
    // Every label value from the start, so rate() sees the first of each and panels are never empty.
    for (const source of SOURCES) this.answers.inc({ source }, 0);
    for (const outcome of RELOAD_OUTCOMES) this.reloads.inc({ outcome }, 0);
  }

  countAnswer(source: RecommendationSource): void {
    this.answers.inc({ source });
  }

  /** One finished reload of the model file. */
  countReload(outcome: LoadOutcome): void {
    if (outcome.loaded) {
      this.reloads.inc({ outcome: 'loaded' });
      this.trainedAt.set(Date.parse(outcome.model.trained_at) / 1000);
      this.modelOrders.set(outcome.model.orders);
      this.fileRefused.set(0);
      return;
    }
    this.reloads.inc({ outcome: outcome.missing ? 'missing' : 'refused' });
    this.fileRefused.set(outcome.missing ? 0 : 1);
  }
}
