import { z } from 'zod';

/** The file format's name and version: a reader refuses any other. */
export const MODEL_FORMAT = 'mesh-recommendations/1';

const sku = z.string().min(1).max(100);
const neighbour = z.object({ sku, score: z.number().positive().finite() });

/**
 * The trained model as stored in JSON: for every SKU its nearest neighbours (bought by the same shoppers),
 * the best sellers, and each shopper's recent purchases (what their recommendations start from).
 */
export const modelSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  trained_at: z.iso.datetime(),
  /** Completed orders the model was trained on. */
  orders: z.number().int().min(0),
  neighbours: z.record(sku, z.array(neighbour).max(1_000)),
  best_sellers: z.array(z.object({ sku, units: z.number().int().positive() })).max(10_000),
  user_items: z.record(z.string().min(1).max(128), z.array(sku).max(1_000)),
});
export type RecommendationModel = z.infer<typeof modelSchema>;

/** Why a file is not a model: the first problem, with its path in the file. */
export function modelProblem(value: unknown): string | undefined {
  const parsed = modelSchema.safeParse(value);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return issue === undefined ? 'invalid' : `${issue.path.join('.') || '(root)'}: ${issue.message}`;
}
