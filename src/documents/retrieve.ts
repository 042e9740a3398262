/**
 * @module Hybrid retrieval of the chunks relevant to a question: the nearest chunk vectors and the
 * chunks sharing the most relevant words (BM25 over folded text, so Portuguese documents are found
 * although the bundled encoder is English-only), merged by reciprocal rank fusion, then kept in rank
 * order while they fit the token budget. Only chunks of committed documents are returned.
 */
import type { Embedder } from "../semantic/embedders/types";
import type { VectorIndex } from "../semantic/vectors/types";
import { chunkFingerprint, chunkShard, type DocumentStore } from "./store";

/** Candidates taken from each source before fusion. @default 20 */
export const RETRIEVAL_CANDIDATES = 20;
/** Reciprocal rank fusion's constant (Cormack et al. 2009): 1 / (k + rank). @default 60 */
export const RRF_K = 60;
/** Tokens of context a prompt gets at most. @default 2000 */
export const DEFAULT_CONTEXT_TOKENS = 2_000;
/** Chunks a prompt gets at most. @default 5 */
export const DEFAULT_CONTEXT_CHUNKS = 5;

/** A chunk an answer is built on (`sources` of the native response). */
export interface Source {
  context_id: string;
  chunk_id: string;
  text: string;
  /** Reciprocal-rank-fusion score of the two rankings (higher is more relevant). */
  score: number;
  /** Cosine of the question and the chunk, where known. */
  similarity: number | null;
  /** Which ranking found it. */
  found_by: "vector" | "lexical" | "both";
}

export interface RetrieveDeps {
  index: VectorIndex;
  embedder: Embedder;
  store: DocumentStore;
}

export interface RetrieveOptions {
  /** @default 2000 */
  maxTokens?: number;
  /** @default 5 */
  maxChunks?: number;
  /** @default 20 */
  candidates?: number;
}

interface Fused {
  id: string;
  score: number;
  similarity: number | null;
  text: string;
  vector: boolean;
  lexical: boolean;
}

/** Merges rankings by reciprocal rank fusion, best first. */
export function fuseRankings(
  vector: ReadonlyArray<{ id: string; score: number; text: string }>,
  lexical: ReadonlyArray<{ id: string; score: number | undefined; text: string }>,
  k = RRF_K,
): Fused[] {
  const fused = new Map<string, Fused>();
  const add = (
    id: string,
    rank: number,
    text: string,
    similarity: number | undefined,
    by: "vector" | "lexical",
  ) => {
    const seen = fused.get(id) ?? { id, score: 0, similarity: null, text, vector: false, lexical: false };
    seen.score += 1 / (k + rank + 1);
    if (similarity !== undefined) seen.similarity = similarity;
    if (text.length > seen.text.length) seen.text = text;
    seen[by] = true;
    fused.set(id, seen);
  };
  for (const [rank, m] of vector.entries()) add(m.id, rank, m.text, m.score, "vector");
  for (const [rank, m] of lexical.entries()) add(m.id, rank, m.text, m.score, "lexical");
  return [...fused.values()].sort((a, b) => b.score - a.score);
}

/** The chunks of the namespace most relevant to `question`, within the budget, best first. */
export async function retrieve(
  deps: RetrieveDeps,
  question: string,
  options: RetrieveOptions = {},
): Promise<Source[]> {
  const { store, index, embedder } = deps;
  const topK = options.candidates ?? RETRIEVAL_CANDIDATES;
  const [vector] = await embedder.embed([question]);
  if (!vector) return [];
  const scope = {
    namespace: chunkShard(store.namespace),
    fingerprint: chunkFingerprint(embedder.model),
    topK,
  };
  const [near, lexical] = await Promise.all([
    index.query({ ...scope, vector }),
    index.lexical ? index.lexical({ ...scope, vector, text: question }) : Promise.resolve([]),
  ]);
  const fused = fuseRankings(near, lexical);
  const known = await store.resolve(fused.map((f) => f.id));
  const budget = options.maxTokens ?? DEFAULT_CONTEXT_TOKENS;
  const maxChunks = options.maxChunks ?? DEFAULT_CONTEXT_CHUNKS;
  const chosen: Array<Fused & { contextId: string; chars: number }> = [];
  let used = 0;
  for (const candidate of fused) {
    const info = known.get(candidate.id);
    if (!info || used + info.tokens > budget) continue;
    chosen.push({ ...candidate, contextId: info.contextId, chars: info.chars });
    used += info.tokens;
    if (chosen.length >= maxChunks) break;
  }
  return Promise.all(
    chosen.map(async (c) => ({
      context_id: c.contextId,
      chunk_id: c.id,
      // The index keeps the whole text of a chunk; R2 has it where the index's copy is cut or folded.
      text: c.text.length === c.chars ? c.text : ((await store.text(c.id)) ?? c.text),
      score: Number(c.score.toFixed(6)),
      similarity: c.similarity === null ? null : Number(c.similarity.toFixed(4)),
      found_by: c.vector && c.lexical ? "both" : c.vector ? "vector" : "lexical",
    })),
  );
}
