/**
 * @module The `VectorIndex` interface every nearest-neighbour backend implements: the local Durable Object
 * shards (dev, tests, read-your-writes), Vectorize (deployed) and the read-your-writes composite of both.
 */

/** One prompt embedding as the semantic cache stores it. */
export interface VectorRecord {
  /** The entry's exact key (hex SHA-256), so a match resolves straight to the cached answer. */
  id: string;
  /** Unit-normalised embedding of the last user message. */
  vector: Float32Array;
  /** Tenant namespace: records of different namespaces never match. */
  namespace: string;
  /**
   * Context fingerprint: a hash of model, params, system prompt and earlier turns (and, by convention,
   * the embedder model). Matching is only ever within the same namespace and fingerprint.
   */
  fingerprint: string;
  /** The embedded text, for the verifier (backends may truncate it; see each backend). */
  text: string;
  /** Epoch ms when the entry was stored; the local shards evict oldest first. */
  createdAt: number;
}

/** A neighbour found by {@link VectorIndex.query}. */
export interface VectorMatch {
  id: string;
  /** Cosine similarity with the query vector, -1..1 (1 = same direction). */
  score: number;
  text: string;
  createdAt: number;
}

/** A nearest-neighbour search within one namespace and context fingerprint. */
export interface VectorQuery {
  vector: Float32Array;
  namespace: string;
  fingerprint: string;
  /** How many neighbours to return at most, best first. */
  topK: number;
  /** Drop neighbours scoring below this cosine. */
  minScore?: number;
}

/** A search by words within one namespace and context fingerprint (see {@link VectorIndex.lexical}). */
export interface LexicalQuery {
  /** The question as asked; the index folds it and searches for its content words. */
  text: string;
  /** The question's embedding, to score each candidate by cosine where its vector is at hand. */
  vector: Float32Array;
  namespace: string;
  fingerprint: string;
  /** How many candidates to return at most, most relevant first. */
  topK: number;
}

/** A candidate found by shared words rather than by vector. */
export interface LexicalMatch {
  id: string;
  /**
   * Cosine similarity with the query vector, -1..1; undefined when the candidate's vector is not at
   * hand (neither in the shard nor fetchable from the primary index).
   */
  score: number | undefined;
  /** BM25 relevance of the shared words: higher is more relevant (FTS5's `bm25()` negated). */
  relevance: number;
  /** The stored question; folded (lower-case, no accents) when only the lexical index still has it. */
  text: string;
  createdAt: number;
}

/**
 * A nearest-neighbour index over prompt embeddings. Backends are made by `createXVectorIndex` factories
 * that take their binding; optional capabilities are marked `?` (like `Tier`).
 */
export interface VectorIndex {
  /** Backend name for stats and logs, e.g. `local`, `vectorize`, `vectorize+local`. */
  readonly name: string;
  /** Inserts or replaces records by id. */
  upsert(records: VectorRecord[]): Promise<void>;
  /** The `topK` best matches of the same namespace and fingerprint scoring at least `minScore`, best first. */
  query(q: VectorQuery): Promise<VectorMatch[]>;
  /** Removes records by id from one namespace; unknown ids are ignored. */
  delete(ids: string[], namespace: string): Promise<void>;
  /** Removes every record of a namespace (or of all namespaces, where the backend can enumerate them). */
  clear?(namespace?: string): Promise<void>;
  /** Number of records in a namespace (or in all, where the backend can tell). */
  count?(namespace?: string): Promise<number>;
  /**
   * The `topK` records of the namespace and fingerprint sharing the most relevant content words with
   * `q.text` (BM25 over folded text, stop words left out), whatever their cosine. Backends that index
   * text implement it; the semantic lookup verifies the union of these and {@link query}'s matches.
   */
  lexical?(q: LexicalQuery): Promise<LexicalMatch[]>;
  /**
   * Ids of one namespace after `after`, in id order, at most `limit` (maintenance: finding vectors whose
   * entry is gone). Backends that cannot enumerate leave it out.
   */
  list?(namespace: string, after: string, limit: number): Promise<Array<{ id: string; createdAt: number }>>;
  /** Stored records by id within one namespace; unknown ids are left out. */
  get?(ids: string[], namespace: string): Promise<VectorRecord[]>;
}

/** Keeps the `topK` best of `matches` scoring at least `minScore`, one per id (its best), best first. */
export function mergeMatches(
  matches: Iterable<VectorMatch>,
  topK: number,
  minScore = Number.NEGATIVE_INFINITY,
): VectorMatch[] {
  const best = new Map<string, VectorMatch>();
  for (const match of matches) {
    if (match.score < minScore) continue;
    const seen = best.get(match.id);
    if (seen === undefined || match.score > seen.score) best.set(match.id, match);
  }
  return [...best.values()].sort((a, b) => b.score - a.score).slice(0, Math.max(0, topK));
}
