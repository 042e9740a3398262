/**
 * @module Picks the semantic cache's `VectorIndex` from the bindings.
 *
 * Local dev and tests: the `VECTOR_SHARDS` Durable Objects alone (no account, no network).
 * Deployed with Vectorize: Vectorize plus the local shards as a read-your-writes window. wrangler.jsonc
 * has no `vectorize` binding on purpose (it cannot run offline, so it would break `npm run dev`); to
 * deploy with Vectorize, create the index and its fingerprint metadata index (see vectorize.ts),
 * then add to wrangler.jsonc:
 *   "vectorize": [{ "binding": "VECTORIZE", "index_name": "r1-edge-cache" }]
 * Set the variable `SEMANTIC_BACKEND` to "local" to keep using the shards alone with the binding present.
 */
import type { Env } from "../../env";
import { createLocalVectorIndex } from "./local";
import { createReadYourWritesIndex, type ReadYourWritesOptions } from "./read-your-writes";
import type { VectorIndex } from "./types";
import { createVectorizeIndex } from "./vectorize";

/** Vectors kept per namespace when the shards are the whole index. @default 50000 */
export const LOCAL_MAX_VECTORS = 50_000;
/**
 * Vectors kept per namespace when the shards only bridge Vectorize's indexing delay: far more writes
 * than one namespace makes in the seconds Vectorize needs. @default 5000
 */
export const RECENT_MAX_VECTORS = 5_000;

export type VectorIndexEnv = Pick<Env, "VECTOR_SHARDS" | "VECTORIZE" | "SEMANTIC_BACKEND">;

/** Whether `env` selects Vectorize: bound, and not overridden by `SEMANTIC_BACKEND=local`. */
export function usesVectorize(env: VectorIndexEnv): boolean {
  return env.VECTORIZE !== undefined && env.SEMANTIC_BACKEND !== "local";
}

/** Caps of the local shards, for indexes other than the prompts' (the context chunks'). */
export interface VectorIndexLimits {
  /** Vectors (and lexical rows) per namespace when the shards are the whole index. @default 50000 */
  maxPerShard?: number;
}

/** The semantic index for these bindings; touches no binding until it is used. */
export function createVectorIndex(
  env: VectorIndexEnv,
  options: ReadYourWritesOptions = {},
  limits: VectorIndexLimits = {},
): VectorIndex {
  const max = limits.maxPerShard ?? LOCAL_MAX_VECTORS;
  if (!usesVectorize(env) || env.VECTORIZE === undefined) {
    return createLocalVectorIndex(env.VECTOR_SHARDS, { maxVectorsPerShard: max, maxLexicalPerShard: max });
  }
  // The shards keep only recent vectors but every question's words: lexical candidates need no Vectorize.
  const recent = createLocalVectorIndex(env.VECTOR_SHARDS, {
    maxVectorsPerShard: RECENT_MAX_VECTORS,
    maxLexicalPerShard: max,
  });
  return createReadYourWritesIndex(createVectorizeIndex(env.VECTORIZE), recent, options);
}
