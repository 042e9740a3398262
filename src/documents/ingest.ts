/**
 * @module Loading one document: text pieces -> chunker -> batches of chunks stored as they fill, so
 * memory holds one batch whatever the document's size; progress after each batch; on any failure the
 * load's generation is dropped (nothing half-stored) and the error goes on to the client.
 */
import { sha256Hex } from "../cache/codec";
import { describeError } from "../errors";
import { CHARS_PER_TOKEN, type Chunk, Chunker, type ChunkOptions } from "./chunker";
import { badDocument } from "./source";
import { chunkId, type DocumentStore } from "./store";

/** Chunks stored per batch: one embedder call and a few D1 statements each. @default 64 */
export const INGEST_BATCH = 64;

/** Progress of a load, sent as an NDJSON line after each batch when the client asks for it. */
export interface IngestProgress {
  context_id: string;
  /** Bytes of the document read so far (of the request body, when streamed). */
  bytes: number;
  chunks: number;
  new_chunks: number;
}

/** The answer of `POST /v1/r1/context`. */
export interface IngestResult extends IngestProgress {
  chars: number;
  tokens: number;
  /** Distinct chunks in the namespace after the load (`unique_chunks` of /admin/stats for this tenant). */
  unique_chunks: number;
  /** Chunks this document shares with the namespace (stored once, not embedded again). */
  reused_chunks: number;
  /** A document of this id existed and was replaced. */
  replaced: boolean;
}

export interface IngestOptions extends ChunkOptions {
  /** The field a bad document is reported under. @default "text" */
  field?: string;
  /** Bytes read so far (streams update it as they read). */
  bytesRead?: () => number;
  onProgress?: (progress: IngestProgress) => Promise<void> | void;
}

/** Stores the document read from `pieces` as `contextId` (replacing any document of that id). */
export async function ingestDocument(
  store: DocumentStore,
  contextId: string,
  pieces: AsyncIterable<string> | Iterable<string>,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const field = options.field ?? "text";
  const chunker = new Chunker(options);
  const generation = store.generation();
  const ids: string[] = [];
  let pending: Chunk[] = [];
  let chars = 0;
  let bytes = 0;
  let fresh = 0;
  const encoder = new TextEncoder();
  const progress = (): IngestProgress => ({
    context_id: contextId,
    bytes: options.bytesRead?.() ?? bytes,
    chunks: ids.length,
    new_chunks: fresh,
  });
  const flush = async (all: boolean) => {
    while (pending.length >= INGEST_BATCH || (all && pending.length > 0)) {
      const batch = pending.slice(0, INGEST_BATCH);
      pending = pending.slice(batch.length);
      const position = ids.length;
      ids.push(...(await Promise.all(batch.map((chunk) => chunkId(store.namespace, chunk.text)))));
      fresh += (await store.addBatch(contextId, generation, position, batch)).fresh;
      await options.onProgress?.(progress());
    }
  };
  try {
    for await (const piece of pieces) {
      chars += piece.length;
      bytes += encoder.encode(piece).byteLength;
      pending.push(...chunker.push(piece));
      await flush(false);
    }
    pending.push(...chunker.end());
    await flush(true);
    if (ids.length === 0) throw badDocument(field, "is empty (no text to chunk)");
    const meta = {
      bytes,
      chars,
      tokens: Math.ceil(chars / CHARS_PER_TOKEN),
      chunks: ids.length,
      checksum: await sha256Hex(ids.join("\n")),
    };
    const { replaced } = await store.commit(contextId, generation, meta);
    return {
      ...progress(),
      bytes,
      chars,
      tokens: meta.tokens,
      unique_chunks: await store.uniqueChunks(),
      reused_chunks: new Set(ids).size - fresh,
      replaced,
    };
  } catch (error) {
    await store.abort(contextId, generation).catch((cleanup) => {
      console.warn(`r1cache: dropping a failed load left chunks behind: ${describeError(cleanup)}`);
    });
    throw error;
  }
}
