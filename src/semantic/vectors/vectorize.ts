/**
 * @module The Vectorize `VectorIndex` (deployed only: the binding cannot run locally).
 *
 * Setup, once per account:
 *   wrangler vectorize create r1-edge-cache --dimensions=<embedder dimensions> --metric=cosine
 *   wrangler vectorize create-metadata-index r1-edge-cache --property-name fingerprint --type string
 * The metadata index must exist before vectors are inserted: vectors inserted earlier are not filterable.
 * Tenants map to Vectorize namespaces, which are filtered natively; the fingerprint is filtered through
 * the metadata index. Vectorize is eventually consistent (an upsert takes seconds to become queryable),
 * so production pairs it with the local shards (see read-your-writes.ts).
 * Limits enforced here: https://developers.cloudflare.com/vectorize/platform/limits/
 */
import { CacheError } from "../../errors";
import {
  mergeMatches,
  type VectorIndex,
  type VectorMatch,
  type VectorQuery,
  type VectorRecord,
} from "./types";

/** What this client uses of a Vectorize binding (the V2 `Vectorize` type has the same methods). */
export type VectorizeBinding =
  | Pick<VectorizeIndex, "query" | "upsert" | "deleteByIds" | "getByIds">
  | Pick<Vectorize, "query" | "upsert" | "deleteByIds" | "getByIds">;

export interface VectorizeIndexOptions {
  /** Bytes of text kept in metadata: 10 KiB per vector in all, with room left for the other fields. @default 8192 */
  maxTextBytes?: number;
  /** Backend name reported by the index. @default "vectorize" */
  name?: string;
}

/** Vector ids, namespace names and indexed string prefixes are all capped at 64 bytes. */
export const VECTORIZE_MAX_ID_BYTES = 64;
/** topK is capped at 20 when metadata is returned (100 without). */
export const VECTORIZE_MAX_TOPK_WITH_METADATA = 20;
/** Vectors per upsert call from a Worker. */
export const VECTORIZE_MAX_BATCH = 1000;
/**
 * Ids per getByIds call. The limits page names no cap for it; values and metadata come back, so we stay
 * within the 20 results a query may return with them. Lexical candidates need at most topK per lookup.
 */
export const VECTORIZE_MAX_GET = 20;

/** The metadata stored with each vector. */
export interface VectorizeRecordMetadata extends Record<string, string | number> {
  namespace: string;
  fingerprint: string;
  text: string;
  createdAt: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return text;
  let cut = maxBytes;
  // Back off continuation bytes (10xxxxxx) so the cut falls on a character boundary.
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return decoder.decode(bytes.subarray(0, cut));
}

/** Throws unless `value` fits one of Vectorize's 64-byte fields. */
function checkLength(what: string, value: string): void {
  if (encoder.encode(value).length <= VECTORIZE_MAX_ID_BYTES) return;
  // A longer fingerprint would be filtered on its first 64 bytes only and match the wrong contexts.
  throw new CacheError("internal", `Vectorize ${what} is over ${VECTORIZE_MAX_ID_BYTES} bytes: ${value}`);
}

/** A record as Vectorize stores it: id = exact key, Vectorize namespace = tenant, the rest in metadata. */
function toVectorizeVector(r: VectorRecord, maxTextBytes: number): VectorizeVector {
  checkLength("id", r.id);
  checkLength("namespace", r.namespace);
  checkLength("fingerprint", r.fingerprint);
  const metadata: VectorizeRecordMetadata = {
    namespace: r.namespace,
    fingerprint: r.fingerprint,
    text: truncateUtf8(r.text, maxTextBytes),
    createdAt: r.createdAt,
  };
  return { id: r.id, values: r.vector, namespace: r.namespace, metadata };
}

/** Reads our metadata back from a match; null for a vector this cache did not write. */
function readMatch(match: VectorizeMatch, q: VectorQuery): VectorMatch | null {
  const meta = match.metadata;
  if (meta?.namespace !== q.namespace || meta.fingerprint !== q.fingerprint) return null;
  const { text, createdAt } = meta;
  if (typeof text !== "string" || typeof createdAt !== "number") return null;
  // Cosine metric: the score already is the cosine; clamp float noise like 1.0000001.
  return { id: match.id, score: Math.max(-1, Math.min(1, match.score)), text, createdAt };
}

/** Reads a stored vector back as a record; null for another namespace or a vector we did not write. */
function readVector(vector: VectorizeVector, namespace: string): VectorRecord | null {
  const meta = vector.metadata;
  if (meta?.namespace !== namespace || typeof meta.fingerprint !== "string") return null;
  const { text, createdAt } = meta;
  if (typeof text !== "string" || typeof createdAt !== "number") return null;
  const values = vector.values instanceof Float32Array ? vector.values : Float32Array.from(vector.values);
  return { id: vector.id, vector: values, namespace, fingerprint: meta.fingerprint, text, createdAt };
}

/** Creates the Vectorize-backed index over a bound index created with `--metric=cosine`. */
export function createVectorizeIndex(
  index: VectorizeBinding,
  options: VectorizeIndexOptions = {},
): VectorIndex {
  const maxTextBytes = options.maxTextBytes ?? 8192;
  return {
    name: options.name ?? "vectorize",
    async upsert(records) {
      const vectors = records.map((r) => toVectorizeVector(r, maxTextBytes));
      for (let i = 0; i < vectors.length; i += VECTORIZE_MAX_BATCH) {
        await index.upsert(vectors.slice(i, i + VECTORIZE_MAX_BATCH));
      }
    },
    async query(q) {
      const topK = Math.min(q.topK, VECTORIZE_MAX_TOPK_WITH_METADATA);
      if (topK <= 0) return [];
      const result = await index.query(q.vector, {
        topK,
        namespace: q.namespace,
        filter: { fingerprint: { $eq: q.fingerprint } },
        returnMetadata: "all",
        returnValues: false,
      });
      const matches = result.matches.map((m) => readMatch(m, q)).filter((m) => m !== null);
      return mergeMatches(matches, topK, q.minScore);
    },
    async get(ids, namespace) {
      const records: VectorRecord[] = [];
      for (let i = 0; i < ids.length; i += VECTORIZE_MAX_GET) {
        const vectors = await index.getByIds(ids.slice(i, i + VECTORIZE_MAX_GET));
        for (const vector of vectors) {
          const record = readVector(vector, namespace);
          if (record) records.push(record);
        }
      }
      return records;
    },
    async delete(ids) {
      // Ids are index-wide in Vectorize (not per namespace); ours are exact keys, which hash the namespace.
      for (let i = 0; i < ids.length; i += VECTORIZE_MAX_BATCH) {
        await index.deleteByIds(ids.slice(i, i + VECTORIZE_MAX_BATCH));
      }
    },
    // No clear/count: the binding can neither list a namespace's ids nor count them.
  };
}
