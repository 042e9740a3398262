/** @module Embedder for any OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, vLLM, Ollama, TEI, …). */

import { CacheError } from "../../errors";
import { isRecord } from "../../upstream/json";
import { type FetchRetryOptions, fetchWithRetry, redact } from "../../upstream/retry";
import { embedInBatches, normalise } from "../vectors/math";
import type { Embedder } from "./types";

/** Options of {@link createOpenAIEmbedder}. */
export interface OpenAIEmbedderOptions extends Omit<FetchRetryOptions, "name" | "secrets" | "signal"> {
  /** API root including the version, e.g. `https://api.openai.com/v1`; `/embeddings` is appended. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set; never appears in an error message. */
  apiKey?: string;
  /** Model name sent in the body, e.g. `text-embedding-3-small`. */
  model: string;
  /** Length of the vectors the model returns; a different length is an error. */
  dimensions: number;
  /**
   * Also send `dimensions` in the body, for models that can shorten their vectors (OpenAI's
   * text-embedding-3-*); other servers may reject the field. @default false
   */
  requestDimensions?: boolean;
  /** Texts per request (OpenAI accepts up to 2048). @default 256 */
  batchSize?: number;
}

/** Reads `{ data: [{ index, embedding }] }`, orders it by `index`, and checks count and length. */
function readVectors(body: unknown, count: number, dimensions: number): Float32Array[] {
  const data = isRecord(body) && Array.isArray(body.data) ? body.data : undefined;
  if (!data || data.length !== count) {
    const got = data ? `${data.length} embeddings` : "no `data` array";
    throw new CacheError("upstream_error", `embeddings endpoint answered ${got} for ${count} texts`);
  }
  const rows = new Array<Float32Array | undefined>(count);
  for (const [position, item] of data.entries()) {
    const index = isRecord(item) && typeof item.index === "number" ? item.index : position;
    const embedding = isRecord(item) ? item.embedding : undefined;
    if (!Array.isArray(embedding) || embedding.length !== dimensions || rows[index] !== undefined) {
      const got = Array.isArray(embedding) ? `${embedding.length} dimensions` : "no embedding";
      throw new CacheError(
        "upstream_error",
        `embeddings endpoint answered ${got} at index ${index}; EMBEDDINGS_DIMENSIONS is ${dimensions}`,
      );
    }
    if (index < 0 || index >= count) {
      throw new CacheError("upstream_error", `embeddings endpoint answered index ${index} of ${count}`);
    }
    rows[index] = normalise(Float32Array.from(embedding as number[]));
  }
  return rows as Float32Array[];
}

/**
 * Creates an embedder that POSTs `{ model, input, encoding_format: "float" }` to `${baseUrl}/embeddings`
 * with retries and a timeout ({@link fetchWithRetry}). Errors are `CacheError`s with the key redacted.
 */
export function createOpenAIEmbedder(options: OpenAIEmbedderOptions): Embedder {
  const { apiKey, model, dimensions } = options;
  if (!Number.isInteger(dimensions) || dimensions <= 0) {
    throw new CacheError("internal", "openai embeddings need a positive EMBEDDINGS_DIMENSIONS", {
      field: "EMBEDDINGS_DIMENSIONS",
    });
  }
  const url = `${options.baseUrl.replace(/\/+$/, "")}/embeddings`;
  const batchSize = Math.max(1, options.batchSize ?? 256);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const retry: FetchRetryOptions = {
    ...options,
    name: "embeddings endpoint",
    secrets: apiKey ? [apiKey] : [],
  };

  async function embedBatch(input: string[]): Promise<Float32Array[]> {
    const body = { model, input, encoding_format: "float", ...(options.requestDimensions && { dimensions }) };
    const res = await fetchWithRetry(url, { method: "POST", headers, body: JSON.stringify(body) }, retry);
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      const start = redact(text.slice(0, 120), retry.secrets);
      throw new CacheError("upstream_error", `embeddings endpoint sent malformed JSON: ${start}`, { cause });
    }
    return readVectors(json, input.length, dimensions);
  }

  return {
    model,
    dimensions,
    embed: (texts) => embedInBatches(texts, batchSize, embedBatch),
  };
}
