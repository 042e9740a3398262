/** @module D1 schema (drizzle). `npm run db:generate` writes migrations/ from it. */
import { customType, index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** A BLOB as Uint8Array (drizzle's `blob({ mode: "buffer" })` needs Node's Buffer). */
const bytes = customType<{ data: Uint8Array; driverData: ArrayBuffer | number[] | Uint8Array }>({
  dataType: () => "blob",
  toDriver: (value) => value,
  // D1 returns BLOBs as ArrayBuffer; older runtimes as an array of numbers.
  fromDriver: (value) => (value instanceof Uint8Array ? value : new Uint8Array(value)),
});

/**
 * The durable index of every entry: metadata and hit statistics, and the body itself when it fits in
 * a D1 row (`location = 'l3'`); larger bodies live in R2 (`location = 'l4'`, `body` null).
 */
export const entries = sqliteTable(
  "entries",
  {
    key: text("key").primaryKey(),
    namespace: text("namespace").notNull(),
    model: text("model").notNull().default(""),
    prompt: text("prompt").notNull().default(""),
    body: bytes("body"),
    location: text("location", { enum: ["l3", "l4"] }).notNull(),
    codec: text("codec", { enum: ["none", "gzip", "deflate"] }).notNull(),
    checksum: text("checksum").notNull(),
    size: integer("size").notNull(),
    storedSize: integer("stored_size").notNull(),
    createdAt: integer("created_at").notNull(),
    storedAt: integer("stored_at").notNull(),
    expiresAt: integer("expires_at"),
    lastHitAt: integer("last_hit_at"),
    hitCount: integer("hit_count").notNull().default(0),
    /** Epoch ms the KV copy was removed by demotion; cleared by the next hit (which may copy it back). */
    l2DemotedAt: integer("l2_demoted_at"),
  },
  (t) => [
    index("entries_namespace_idx").on(t.namespace),
    index("entries_expires_idx").on(t.expiresAt),
    index("entries_last_hit_idx").on(t.lastHitAt),
  ],
);

export type EntryRow = typeof entries.$inferSelect;

/**
 * Paraphrases that were answered by a verified semantic hit: the paraphrase's exact key points to the
 * canonical entry, so the answer is stored once for all of them.
 */
export const aliases = sqliteTable(
  "aliases",
  {
    key: text("key").primaryKey(),
    canonicalKey: text("canonical_key").notNull(),
    namespace: text("namespace").notNull(),
    prompt: text("prompt").notNull().default(""),
    similarity: real("similarity").notNull(),
    reason: text("reason").notNull().default(""),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("aliases_canonical_idx").on(t.canonicalKey), index("aliases_namespace_idx").on(t.namespace)],
);

export type AliasRow = typeof aliases.$inferSelect;

/**
 * What the vector index needs beside the question to re-embed an entry: the canonical request without
 * its last user message (model, params, system prompt, earlier turns) as stable JSON. The context
 * fingerprint is a hash of this and the embedder model, so a rebuild can recompute it for any embedder.
 * Written when an entry's question is indexed; older entries have no row and cannot be re-embedded.
 */
export const semanticScopes = sqliteTable(
  "semantic_scopes",
  {
    key: text("key").primaryKey(),
    namespace: text("namespace").notNull(),
    context: text("context").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("semantic_scopes_namespace_idx").on(t.namespace)],
);

/** Where a resumable maintenance run (optimize, defragment, rebuild) stands between calls. */
export const maintenanceRuns = sqliteTable("maintenance_runs", {
  job: text("job").primaryKey(),
  /** Epoch ms the run began: defragment leaves alone anything written after it (minus a grace). */
  startedAt: integer("started_at").notNull(),
  /** Job-specific JSON: the step and the key to go on after, plus the run's totals so far. */
  state: text("state").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * Documents added for context expansion (`POST /v1/r1/context`), one row per namespace and id. The row
 * names the generation whose chunk list is current: a document being (re)loaded writes its chunk list
 * under a new generation and becomes visible only when this row points to it.
 */
export const contexts = sqliteTable(
  "contexts",
  {
    namespace: text("namespace").notNull(),
    id: text("id").notNull(),
    generation: integer("generation").notNull(),
    /** UTF-8 bytes of the document as received. */
    bytes: integer("bytes").notNull(),
    chars: integer("chars").notNull(),
    /** Estimated tokens of the document. */
    tokens: integer("tokens").notNull(),
    /** Chunks in the document (repeats counted). */
    chunks: integer("chunks").notNull(),
    /** SHA-256 of the document's text. */
    checksum: text("checksum").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.id] })],
);

export type ContextRow = typeof contexts.$inferSelect;

/** The chunk list of each document generation, in document order. */
export const contextChunks = sqliteTable(
  "context_chunks",
  {
    namespace: text("namespace").notNull(),
    contextId: text("context_id").notNull(),
    generation: integer("generation").notNull(),
    position: integer("position").notNull(),
    chunkId: text("chunk_id").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.namespace, t.contextId, t.generation, t.position] }),
    index("context_chunks_chunk_idx").on(t.namespace, t.chunkId),
  ],
);

/**
 * Each distinct chunk of a namespace, stored once whatever the number of documents holding it: its
 * body compressed in R2 (`chunks/<namespace>/<id>`), its vector and words in the chunk index.
 */
export const chunks = sqliteTable(
  "chunks",
  {
    namespace: text("namespace").notNull(),
    /** SHA-256 of the namespace and the chunk text. */
    id: text("id").notNull(),
    chars: integer("chars").notNull(),
    tokens: integer("tokens").notNull(),
    /** UTF-8 bytes of the text, and as stored in R2. */
    size: integer("size").notNull(),
    storedSize: integer("stored_size").notNull(),
    codec: text("codec", { enum: ["none", "gzip", "deflate"] }).notNull(),
    /** Model of the embedder whose vector the index holds. */
    embedder: text("embedder").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.id] })],
);

export type ChunkRow = typeof chunks.$inferSelect;
