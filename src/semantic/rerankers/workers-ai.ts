/**
 * @module Reranker backed by Workers AI's cross-encoder `@cf/baai/bge-reranker-base` through the `AI`
 * binding (deployed only: https://developers.cloudflare.com/workers-ai/models/bge-reranker-base/).
 */

import { CacheError } from "../../errors";
import { type RetryOptions, withRetries } from "../../upstream/retry";
import { runError } from "../../upstream/workers-ai";
import type { Reranker } from "./types";

/** @default The Workers AI cross-encoder. */
export const WORKERS_AI_RERANKER_MODEL = "@cf/baai/bge-reranker-base";

/** Options of {@link createWorkersAiReranker}. */
export interface WorkersAiRerankerOptions extends Pick<RetryOptions, "retries" | "baseDelayMs" | "sleep"> {
  /** @default WORKERS_AI_RERANKER_MODEL */
  model?: string;
}

/** Reads `{ response: [{ id, score }] }` back into the candidates' order. */
function readScores(output: unknown, count: number, model: string): number[] {
  const response =
    typeof output === "object" && output !== null ? (output as { response?: unknown }).response : undefined;
  const scores = new Array<number>(count).fill(Number.NaN);
  if (Array.isArray(response)) {
    for (const item of response) {
      const { id, score } = (item ?? {}) as { id?: unknown; score?: unknown };
      if (typeof id === "number" && typeof score === "number" && id >= 0 && id < count) scores[id] = score;
    }
  }
  if (scores.some((s) => Number.isNaN(s))) {
    throw new CacheError("upstream_error", `workers-ai ${model} did not score all ${count} candidates`, {
      retryable: false,
    });
  }
  return scores;
}

/** Creates a reranker over `ai.run(model, { query, contexts, top_k })`, retrying capacity errors. */
export function createWorkersAiReranker(ai: Ai, options: WorkersAiRerankerOptions = {}): Reranker {
  const model = options.model || WORKERS_AI_RERANKER_MODEL;
  return {
    model,
    async score(query, candidates) {
      if (candidates.length === 0) return [];
      const inputs = { query, contexts: candidates.map((text) => ({ text })), top_k: candidates.length };
      const output = await withRetries(async () => {
        try {
          // The typed input of this model omits `query`, which the API requires.
          const value = await ai.run(model as typeof WORKERS_AI_RERANKER_MODEL, inputs as never);
          return { ok: true, value: value as unknown };
        } catch (cause) {
          return { ok: false, error: runError(cause) };
        }
      }, options);
      return readScores(output, candidates.length, model);
    },
  };
}
