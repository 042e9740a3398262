/** @module D1 schema (drizzle). `npm run db:generate` writes migrations/ from it. */
import { customType, index, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

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
