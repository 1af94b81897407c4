import { z } from 'zod';
import { defineContract } from './define-contract.js';

/** The recommendation agent's capability: what to show a shopper next. */

export const RECOMMENDATION_MAX = 50;

export const recommendationSchema = z.object({
  sku: z.string(),
  /** Higher is better; comparable within one answer only. */
  score: z.number(),
  /** bought_together: a neighbour of the cart or the user's past orders; best_seller: the fill-in. */
  reason: z.enum(['bought_together', 'best_seller', 'catalogue']),
});

export const recommendationGet = defineContract({
  capability: 'recommendation_get',
  version: '1.0.0',
  description:
    "Products for a user: neighbours (bought together) of the user's cart and past orders, then best sellers; " +
    "never what is in the user's cart or in exclude. {recommendations, model}.",
  input: z.object({
    user_id: z.string().min(1).max(128),
    limit: z.number().int().min(1).max(RECOMMENDATION_MAX).default(10),
    exclude: z.array(z.string().min(1).max(100)).max(100).default([]),
  }),
  output: z.object({
    recommendations: z.array(recommendationSchema),
    /** Where they came from: the model's training time, or the fallback used. */
    model: z.object({
      source: z.enum(['model', 'best_sellers', 'catalogue']),
      trained_at: z.string().nullable(),
    }),
  }),
  idempotent: true,
});
