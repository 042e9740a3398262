/**
 * @module Admin API for calibrating the verifier's score to the deployed embedder (`npm run calibrate`):
 * embed a calibration set's pairs with the worker's own embedder, store the fitted result, inspect it.
 * Mounted at /admin/calibration behind the admin token.
 */
import { Hono } from "hono";
import { z } from "zod";
import { deleteCalibration, storeCalibration } from "../calibration-store";
import type { AppEnv } from "../context";
import { badRequest, CacheError } from "../errors";
import { createWorkersAiReranker } from "../semantic/rerankers/workers-ai";
import { cosine } from "../semantic/vectors/math";
import { type Calibration, calibrationMismatch } from "../semantic/verifier/calibration";
import { treeSize } from "../semantic/verifier/score/boosted-trees";
import { validate } from "../validation";

export const calibration = new Hono<AppEnv>();

/** Pairs per call: one embedding call of up to 2 x 100 texts keeps a request well inside Worker limits. */
export const MAX_CALIBRATION_PAIRS = 100;

export const pairsSchema = z.object({
  pairs: z
    .array(z.object({ a: z.string().min(1).max(4_000), b: z.string().min(1).max(4_000) }))
    .min(1)
    .max(MAX_CALIBRATION_PAIRS),
});

export const calibrationSchema = z.object({
  embedder: z.string().min(1).max(200),
  features: z.array(z.string()).min(1).max(200),
  normalisation: z.number().int(),
  model: z.object({
    base: z.number(),
    depth: z.number().int().min(1).max(6),
    trees: z.array(z.number()).max(200_000),
  }),
  strictMinScore: z.number().min(0).max(1),
  source: z.object({
    data: z.string().max(500),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    pairs: z.number().int(),
  }),
  reranker: z.object({ model: z.string().min(1).max(200), minScore: z.number() }).optional(),
});

function layerOf(c: { get: (key: "cache") => AppEnv["Variables"]["cache"] }) {
  const layer = c.get("cache").semantic();
  if (!layer) throw new CacheError("not_enabled", "calibration needs an embedder: set EMBEDDINGS_BACKEND");
  return layer;
}

calibration.get("/", async (c) => c.json(await layerOf(c).describe()));

/** Cosines of the pairs under the worker's embedder: the one input the fit cannot compute offline. */
calibration.post("/similarities", validate("json", pairsSchema), async (c) => {
  const { pairs } = c.req.valid("json");
  const { embedder } = layerOf(c);
  const vectors = await embedder.embed(pairs.flatMap((p) => [p.a, p.b]));
  const similarities = pairs.map((_, i) => {
    const [a, b] = [vectors[2 * i], vectors[2 * i + 1]];
    return a && b ? Number(cosine(a, b).toFixed(6)) : null;
  });
  return c.json({ embedder: embedder.model, dimensions: embedder.dimensions, similarities });
});

/** Cross-encoder scores of the pairs (`npm run calibrate -- --reranker`); needs the AI binding. */
calibration.post("/rerank", validate("json", pairsSchema), async (c) => {
  const { pairs } = c.req.valid("json");
  if (!c.env.AI) throw new CacheError("not_enabled", "the reranker needs the AI binding (deployed only)");
  const reranker = createWorkersAiReranker(c.env.AI);
  // One call per pair (each pair is its own query), ten at a time.
  const scores: (number | null)[] = [];
  for (let i = 0; i < pairs.length; i += 10) {
    const batch = pairs.slice(i, i + 10);
    scores.push(
      ...(await Promise.all(batch.map(async (p) => (await reranker.score(p.a, [p.b]))[0] ?? null))),
    );
  }
  return c.json({ model: reranker.model, scores });
});

calibration.put("/", validate("json", calibrationSchema), async (c) => {
  const fitted: Calibration = c.req.valid("json");
  const mismatch = calibrationMismatch(fitted);
  if (mismatch)
    throw badRequest("features", `does not fit this version: ${mismatch}; refit with npm run calibrate`);
  if (fitted.model.trees.length % treeSize(fitted.model.depth) !== 0) {
    throw badRequest("model.trees", `length must be a multiple of ${treeSize(fitted.model.depth)}`);
  }
  await storeCalibration(c.env, fitted);
  return c.json({ stored: fitted.embedder, ...(await layerOf(c).describe()) });
});

calibration.delete("/", async (c) => {
  const { embedder } = layerOf(c);
  await deleteCalibration(c.env, embedder.model);
  return c.json({ deleted: embedder.model });
});
