/**
 * @module Context expansion as the routes see it: the namespace's document store and retrieval,
 * built over the embedder and a chunk index of their own (the prompts' vector shards are not shared).
 */
import type { Env } from "../env";
import { CacheError } from "../errors";
import { createEmbedder } from "../semantic/embedders/factory";
import { createVectorIndex } from "../semantic/vectors/factory";
import { type RetrieveOptions, retrieve, type Source } from "./retrieve";
import { createDocumentStore, MAX_CHUNKS_PER_NAMESPACE } from "./store";

export type DocumentsEnv = Pick<
  Env,
  | "DB"
  | "ARCHIVE"
  | "VECTOR_SHARDS"
  | "VECTORIZE"
  | "SEMANTIC_BACKEND"
  | "EMBEDDINGS_BACKEND"
  | "EMBEDDINGS_BASE_URL"
  | "EMBEDDINGS_API_KEY"
  | "EMBEDDINGS_MODEL"
  | "EMBEDDINGS_DIMENSIONS"
  | "EMBEDDER"
  | "AI"
  | "LOCAL_DEV"
>;

/** The chunk index: chunks are never evicted (the store refuses a load past MAX_CHUNKS_PER_NAMESPACE instead). */
export function createChunkIndex(env: DocumentsEnv) {
  return createVectorIndex(env, {}, { maxPerShard: MAX_CHUNKS_PER_NAMESPACE + 1_000 });
}

/** The documents of one namespace; 501 when no embedder is configured. */
export function createDocuments(env: DocumentsEnv, namespace: string) {
  const embedder = createEmbedder(env);
  if (!embedder) {
    throw new CacheError(
      "not_enabled",
      "context expansion needs an embedder: set EMBEDDINGS_BACKEND (see README)",
    );
  }
  const index = createChunkIndex(env);
  const store = createDocumentStore({ db: env.DB, bucket: env.ARCHIVE, index, embedder }, namespace);
  return {
    store,
    /** The chunks relevant to `question`; an unavailable index or embedder is a 503, never a silent miss. */
    async retrieve(question: string, options?: RetrieveOptions): Promise<Source[]> {
      try {
        return await retrieve({ index, embedder, store }, question, options);
      } catch (cause) {
        if (cause instanceof CacheError) throw cause;
        throw new CacheError("unavailable", "context retrieval is unavailable right now", {
          retryable: true,
          cause,
        });
      }
    },
  };
}

export type Documents = ReturnType<typeof createDocuments>;
