/**
 * @module Where documents and their chunks live: each distinct chunk of a namespace once (body
 * compressed in R2, metadata in D1, vector and words in the chunk index), and per document the list
 * of its chunks. A document is loaded under a new *generation* and becomes visible only when
 * {@link DocumentStore.commit} points its row at it; a failed load drops its generation, so nothing
 * half-stored is ever served. Chunks no document lists any more are removed everywhere.
 */
import { and, asc, count, eq, inArray, min, notExists, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { compress, decompress, sha256Hex } from "../cache/codec";
import { type ContextRow, chunks, contextChunks, contexts } from "../db/schema";
import { CacheError } from "../errors";
import type { Embedder } from "../semantic/embedders/types";
import type { VectorIndex, VectorRecord } from "../semantic/vectors/types";
import type { Chunk } from "./chunker";

/** Distinct chunks one namespace may hold (the local chunk index keeps them all). @default 100000 */
export const MAX_CHUNKS_PER_NAMESPACE = 100_000;
/** Bound parameters per D1 statement (https://developers.cloudflare.com/d1/platform/limits/). */
const MAX_BINDINGS = 100;
/** Parallel R2 writes of one batch. */
const R2_CONCURRENCY = 32;
/** Chunks at least this long are gzipped in R2 (below it gzip's header costs more than it saves). */
const COMPRESS_FROM_BYTES = 256;

/** The chunk index's own namespace for a tenant: its chunks never share a shard with its prompts. */
export function chunkShard(namespace: string): string {
  return `${namespace}\u0000chunks`;
}

/** The fingerprint chunk vectors are stored under: one per embedder model (vectors never mix). */
export function chunkFingerprint(embedderModel: string): string {
  return `chunks:${embedderModel}`;
}

/** A chunk's id: SHA-256 of its namespace and text (the same text in two documents is one chunk). */
export function chunkId(namespace: string, text: string): Promise<string> {
  return sha256Hex(`chunk\u0000${namespace}\u0000${text}`);
}

/** Where a chunk's body is in R2. */
export function chunkR2Key(namespace: string, id: string): string {
  return `chunks/${encodeURIComponent(namespace)}/${id}`;
}

function* slices<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

export interface DocumentStoreDeps {
  db: D1Database;
  bucket: R2Bucket;
  index: VectorIndex;
  embedder: Embedder;
}

/** What one batch of a load wrote. */
export interface BatchResult {
  /** Chunks stored (and embedded) by this batch: not in the namespace before. */
  fresh: number;
}

/** A stored chunk as retrieval needs it. */
export interface ChunkInfo {
  /** The first (by id) document listing the chunk. */
  contextId: string;
  chars: number;
  tokens: number;
}

/** The documents and chunks of one namespace. */
/**
 * Removes one generation's chunk list of a namespace's document, then the chunks no document lists any
 * more (their rows, vectors and R2 bodies); returns how many chunks went. Needs no embedder, so the
 * defragment job can drop a dead load whatever the embedder configured now.
 */
export async function dropGeneration(
  deps: Pick<DocumentStoreDeps, "db" | "bucket" | "index">,
  namespace: string,
  contextId: string,
  generation: number,
): Promise<number> {
  const db = drizzle(deps.db);
  const inNamespace = eq(chunks.namespace, namespace);
  const ofGeneration = and(
    eq(contextChunks.namespace, namespace),
    eq(contextChunks.contextId, contextId),
    eq(contextChunks.generation, generation),
  );
  const listed = await db
    .selectDistinct({ id: contextChunks.chunkId })
    .from(contextChunks)
    .where(ofGeneration);
  await db.delete(contextChunks).where(ofGeneration);
  const orphans: string[] = [];
  for (const part of slices(
    listed.map((row) => row.id),
    MAX_BINDINGS - 2,
  )) {
    const stillListed = db
      .select({ one: sql`1` })
      .from(contextChunks)
      .where(and(eq(contextChunks.namespace, chunks.namespace), eq(contextChunks.chunkId, chunks.id)));
    const rows = await db
      .select({ id: chunks.id })
      .from(chunks)
      .where(and(inNamespace, inArray(chunks.id, part), notExists(stillListed)));
    const ids = rows.map((row) => row.id);
    if (ids.length === 0) continue;
    await db.delete(chunks).where(and(inNamespace, inArray(chunks.id, ids)));
    await deps.index.delete(ids, chunkShard(namespace));
    await deps.bucket.delete(ids.map((id) => chunkR2Key(namespace, id)));
    orphans.push(...ids);
  }
  return orphans.length;
}

/**
 * Longest a load may run: a load older than this is refused at its commit (its client gets a
 * retryable 503), so the defragment job, which drops chunk lists of loads begun more than
 * DEAD_LOAD_MS ago that no document points at (src/maintenance/defragment.ts), can never drop one
 * that is still going to commit. @default 1800000 (30 min)
 */
export const MAX_LOAD_MS = 30 * 60_000;

/** When the load of `generation` began (see `DocumentStore.generation`), epoch ms. */
export function loadStartedAt(generation: number): number {
  return Math.floor(generation / 1024);
}

export function createDocumentStore(deps: DocumentStoreDeps, namespace: string) {
  const db = drizzle(deps.db);
  const shard = chunkShard(namespace);
  const fingerprint = chunkFingerprint(deps.embedder.model);
  const inNamespace = eq(chunks.namespace, namespace);

  /** Runs statements in one D1 round trip (one implicit transaction). */
  async function inOneTrip<T extends BatchItem<"sqlite">>(statements: T[]): Promise<void> {
    const [first, ...rest] = statements;
    if (first) await db.batch([first, ...rest]);
  }

  async function uniqueChunks(): Promise<number> {
    const [row] = await db.select({ n: count() }).from(chunks).where(inNamespace);
    return row?.n ?? 0;
  }

  /** Stores the chunks missing from the namespace (or embedded by another model): R2, vector, then row. */
  async function storeMissing(ids: string[], texts: Map<string, Chunk>): Promise<number> {
    const known = new Set<string>();
    for (const part of slices(ids, MAX_BINDINGS - 2)) {
      const rows = await db
        .select({ id: chunks.id })
        .from(chunks)
        .where(and(inNamespace, inArray(chunks.id, part), eq(chunks.embedder, deps.embedder.model)));
      for (const row of rows) known.add(row.id);
    }
    const missing = ids.filter((id) => !known.has(id));
    if (missing.length === 0) return 0;
    const encoder = new TextEncoder();
    const now = Date.now();
    const stored = new Map<string, { size: number; storedSize: number; codec: "none" | "gzip" }>();
    const writeBodies = async () => {
      for (const part of slices(missing, R2_CONCURRENCY)) {
        await Promise.all(
          part.map(async (id) => {
            const plain = encoder.encode(texts.get(id)?.text ?? "");
            let codec: "none" | "gzip" = plain.byteLength >= COMPRESS_FROM_BYTES ? "gzip" : "none";
            let body = await compress(plain, codec);
            // Text that does not shrink is kept plain: no inflation, no decompression on reads.
            if (body.byteLength >= plain.byteLength) [codec, body] = ["none", plain];
            await deps.bucket.put(chunkR2Key(namespace, id), body, { customMetadata: { codec } });
            stored.set(id, { size: plain.byteLength, storedSize: body.byteLength, codec });
          }),
        );
      }
    };
    const writeVectors = async () => {
      const vectors = await deps.embedder.embed(missing.map((id) => texts.get(id)?.text ?? ""));
      const records: VectorRecord[] = missing.map((id, i) => ({
        id,
        vector: vectors[i] as Float32Array,
        namespace: shard,
        fingerprint,
        text: texts.get(id)?.text ?? "",
        createdAt: now,
      }));
      await deps.index.upsert(records);
    };
    // Independent writes; the row that says the chunk exists comes only after both.
    await Promise.all([writeBodies(), writeVectors()]);
    const rows = missing.map((id) => {
      const chunk = texts.get(id) as Chunk;
      const meta = stored.get(id) as { size: number; storedSize: number; codec: "none" | "gzip" };
      const chars = chunk.text.length;
      return {
        namespace,
        id,
        chars,
        tokens: chunk.tokens,
        ...meta,
        embedder: deps.embedder.model,
        createdAt: now,
      };
    });
    const inserts = [...slices(rows, Math.floor(MAX_BINDINGS / 9))].map((part) =>
      db
        .insert(chunks)
        .values(part)
        .onConflictDoUpdate({
          target: [chunks.namespace, chunks.id],
          set: { embedder: sql`excluded.embedder`, createdAt: sql`excluded.created_at` },
        }),
    );
    await inOneTrip(inserts);
    return missing.length;
  }

  return {
    namespace,
    uniqueChunks,

    /** Distinct chunks and their bytes: plain, and as stored in R2 (compressed). */
    async usage(): Promise<{ chunks: number; bytes: number; storedBytes: number }> {
      const [row] = await db
        .select({
          n: count(),
          bytes: sql<number>`coalesce(sum(${chunks.size}), 0)`,
          stored: sql<number>`coalesce(sum(${chunks.storedSize}), 0)`,
        })
        .from(chunks)
        .where(inNamespace);
      return { chunks: row?.n ?? 0, bytes: row?.bytes ?? 0, storedBytes: row?.stored ?? 0 };
    },

    /** A new generation number for a load of `contextId` (unique enough: time and randomness). */
    generation(): number {
      return Date.now() * 1024 + Math.floor(Math.random() * 1024);
    },

    /**
     * Lists `batch` at `position` onward in the generation's chunk list and stores the chunks the
     * namespace does not hold yet. The list is written first, so a concurrent delete of another
     * document never removes a chunk this load is about to reuse.
     */
    async addBatch(
      contextId: string,
      generation: number,
      position: number,
      batch: Chunk[],
    ): Promise<BatchResult> {
      const ids = await Promise.all(batch.map((chunk) => chunkId(namespace, chunk.text)));
      const listRows = ids.map((id, i) => ({
        namespace,
        contextId,
        generation,
        position: position + i,
        chunkId: id,
      }));
      await inOneTrip(
        [...slices(listRows, Math.floor(MAX_BINDINGS / 5))].map((part) =>
          db.insert(contextChunks).values(part),
        ),
      );
      const texts = new Map<string, Chunk>();
      for (const [i, id] of ids.entries()) texts.set(id, batch[i] as Chunk);
      const distinct = [...texts.keys()];
      const fresh = await storeMissing(distinct, texts);
      if (fresh > 0 && (await uniqueChunks()) > MAX_CHUNKS_PER_NAMESPACE) {
        throw new CacheError(
          "payload_too_large",
          `text: this namespace would hold more than ${MAX_CHUNKS_PER_NAMESPACE} distinct chunks; delete documents first`,
          { field: "text" },
        );
      }
      return { fresh };
    },

    /** Makes `generation` the document's content and removes the one it replaces; returns whether it replaced one. */
    async commit(
      contextId: string,
      generation: number,
      meta: Pick<ContextRow, "bytes" | "chars" | "tokens" | "chunks" | "checksum">,
    ): Promise<{ replaced: boolean; removedChunks: number }> {
      const now = Date.now();
      if (now - loadStartedAt(generation) > MAX_LOAD_MS) {
        throw new CacheError("unavailable", "the document took more than 30 minutes to load; send it again", {
          retryable: true,
        });
      }
      const where = and(eq(contexts.namespace, namespace), eq(contexts.id, contextId));
      const [old] = await db.select({ generation: contexts.generation }).from(contexts).where(where);
      await db
        .insert(contexts)
        .values({ namespace, id: contextId, generation, ...meta, createdAt: now, updatedAt: now })
        .onConflictDoUpdate({
          target: [contexts.namespace, contexts.id],
          set: { generation, ...meta, updatedAt: now },
        });
      const removedChunks =
        old && old.generation !== generation
          ? await dropGeneration(deps, namespace, contextId, old.generation)
          : 0;
      return { replaced: old !== undefined, removedChunks };
    },

    /** Drops a load that failed: its chunk list and the chunks only it had stored. */
    abort(contextId: string, generation: number): Promise<number> {
      return dropGeneration(deps, namespace, contextId, generation);
    },

    /** Removes a document and every chunk no other document uses; undefined if there is no such document. */
    async remove(contextId: string): Promise<{ removedChunks: number } | undefined> {
      const where = and(eq(contexts.namespace, namespace), eq(contexts.id, contextId));
      const [row] = await db.delete(contexts).where(where).returning({ generation: contexts.generation });
      if (!row) return undefined;
      return { removedChunks: await dropGeneration(deps, namespace, contextId, row.generation) };
    },

    /** The namespace's documents, by id. */
    list(): Promise<ContextRow[]> {
      return db.select().from(contexts).where(eq(contexts.namespace, namespace)).orderBy(asc(contexts.id));
    },

    /** Of these chunk ids, those a committed document lists, with the document and their size. */
    async resolve(ids: readonly string[]): Promise<Map<string, ChunkInfo>> {
      const found = new Map<string, ChunkInfo>();
      for (const part of slices(ids, MAX_BINDINGS - 2)) {
        const rows = await db
          .select({
            id: contextChunks.chunkId,
            contextId: min(contextChunks.contextId),
            chars: chunks.chars,
            tokens: chunks.tokens,
          })
          .from(contextChunks)
          .innerJoin(
            contexts,
            and(
              eq(contexts.namespace, contextChunks.namespace),
              eq(contexts.id, contextChunks.contextId),
              eq(contexts.generation, contextChunks.generation),
            ),
          )
          .innerJoin(
            chunks,
            and(eq(chunks.namespace, contextChunks.namespace), eq(chunks.id, contextChunks.chunkId)),
          )
          .where(and(eq(contextChunks.namespace, namespace), inArray(contextChunks.chunkId, part)))
          .groupBy(contextChunks.chunkId, chunks.chars, chunks.tokens);
        for (const row of rows) {
          if (row.contextId !== null)
            found.set(row.id, { contextId: row.contextId, chars: row.chars, tokens: row.tokens });
        }
      }
      return found;
    },

    /** A chunk's text from R2 (where the index's copy is missing or cut). */
    async text(id: string): Promise<string | undefined> {
      const object = await deps.bucket.get(chunkR2Key(namespace, id));
      if (!object) return undefined;
      const codec = object.customMetadata?.codec === "gzip" ? "gzip" : "none";
      const plain = await decompress(new Uint8Array(await object.arrayBuffer()), codec);
      return new TextDecoder().decode(plain);
    },
  };
}

export type DocumentStore = ReturnType<typeof createDocumentStore>;

/** Distinct chunks stored in every namespace, or in one (`/admin/stats`). */
export async function countChunks(d1: D1Database, namespace?: string): Promise<number> {
  const where = namespace === undefined ? undefined : eq(chunks.namespace, namespace);
  const [row] = await drizzle(d1).select({ n: count() }).from(chunks).where(where);
  return row?.n ?? 0;
}
