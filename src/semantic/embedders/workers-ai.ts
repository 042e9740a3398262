/** @module Embedder backed by Workers AI text-embedding models through the `AI` binding (deployed only). */

import { CacheError } from "../../errors";
import { type RetryOptions, withRetries } from "../../upstream/retry";
import { runError } from "../../upstream/workers-ai";
import { embedInBatches, normalise } from "../vectors/math";
import type { Embedder } from "./types";

/** @default Workers AI embedding model: https://developers.cloudflare.com/workers-ai/models/bge-m3/ */
export const WORKERS_AI_DEFAULT_EMBEDDING_MODEL = "@cf/baai/bge-m3";

/** What we know of a Workers AI embedding model: its vector length and texts per `run`. */
export interface WorkersAiModelInfo {
  readonly dimensions: number;
  readonly maxBatch: number;
}

/**
 * Known models (https://developers.cloudflare.com/workers-ai/models/?tasks=Text+Embeddings). The BGE
 * models take at most 100 texts per call; other models need `dimensions` (and may need `batchSize`).
 */
export const WORKERS_AI_EMBEDDING_MODELS: Readonly<Record<string, WorkersAiModelInfo>> = {
  "@cf/baai/bge-m3": { dimensions: 1024, maxBatch: 100 },
  "@cf/baai/bge-small-en-v1.5": { dimensions: 384, maxBatch: 100 },
  "@cf/baai/bge-base-en-v1.5": { dimensions: 768, maxBatch: 100 },
  "@cf/baai/bge-large-en-v1.5": { dimensions: 1024, maxBatch: 100 },
};

/** Options of {@link createWorkersAiEmbedder}. */
export interface WorkersAiEmbedderOptions extends Pick<RetryOptions, "retries" | "baseDelayMs" | "sleep"> {
  /** @default "@cf/baai/bge-m3" */
  model?: string;
  /** Vector length; required for a model not in {@link WORKERS_AI_EMBEDDING_MODELS}. */
  dimensions?: number;
  /** Texts per `ai.run`, capped by the model's limit. @default the model's limit, else 100 */
  batchSize?: number;
}

/** The embedding models all take `{ text: string[] }`; this literal only selects the typed overload. */
type EmbeddingModel = typeof WORKERS_AI_DEFAULT_EMBEDDING_MODEL;

/** Checks one `ai.run` answer: `{ shape, data: number[][] }` with one row of `dimensions` per text. */
function readVectors(output: unknown, count: number, dimensions: number, model: string): Float32Array[] {
  const data =
    typeof output === "object" && output !== null ? (output as { data?: unknown }).data : undefined;
  if (!Array.isArray(data) || data.length !== count) {
    const got = Array.isArray(data) ? `${data.length} vectors` : "no `data` array";
    throw new CacheError("upstream_error", `workers-ai ${model} answered ${got} for ${count} texts`, {
      retryable: false,
    });
  }
  return data.map((row: unknown) => {
    if (!Array.isArray(row) || row.length !== dimensions || !row.every((x) => typeof x === "number")) {
      const got = Array.isArray(row) ? row.length : typeof row;
      throw new CacheError(
        "upstream_error",
        `workers-ai ${model} answered a vector of ${got}, not ${dimensions}`,
      );
    }
    return normalise(Float32Array.from(row as number[]));
  });
}

/**
 * Creates an embedder over `ai.run(model, { text })`: splits the texts into batches the model accepts,
 * retries capacity and rate-limit errors, and returns unit vectors. Failures are `upstream_error`.
 */
export function createWorkersAiEmbedder(ai: Ai, options: WorkersAiEmbedderOptions = {}): Embedder {
  const model = options.model || WORKERS_AI_DEFAULT_EMBEDDING_MODEL;
  const known = WORKERS_AI_EMBEDDING_MODELS[model];
  const dimensions = options.dimensions ?? known?.dimensions;
  if (dimensions === undefined || !Number.isInteger(dimensions) || dimensions <= 0) {
    throw new CacheError(
      "internal",
      `workers-ai embedding model ${model} is unknown: set EMBEDDINGS_DIMENSIONS`,
      {
        field: "EMBEDDINGS_DIMENSIONS",
      },
    );
  }
  const limit = known?.maxBatch ?? 100;
  const batchSize = Math.max(1, Math.min(options.batchSize ?? limit, limit));

  const runBatch = (text: string[]) =>
    withRetries(async () => {
      try {
        const output = await ai.run(model as EmbeddingModel, { text, truncate_inputs: true });
        return { ok: true, value: output as unknown };
      } catch (cause) {
        return { ok: false, error: runError(cause) };
      }
    }, options);

  return {
    model,
    dimensions,
    embed: (texts) =>
      embedInBatches(texts, batchSize, async (batch) =>
        readVectors(await runBatch(batch), batch.length, dimensions, model),
      ),
  };
}
