/**
 * @module Applies a verified backup to the live cache: entries through the tiers the current config
 * writes to (`placement`, R2 before the D1 row), their D1 statistics, their vectors into the index, the
 * aliases, the config overrides and the calibrations. Every write is an upsert of the backup's values,
 * so restoring twice leaves the same state; entries that are not in the backup are left alone.
 *
 * Then the semantic scopes (so a rebuild can re-embed the restored entries) and the documents: each
 * chunk's body into R2, its vector into the chunk index (the backup's, or embedded again when the backup
 * has none or it is from another embedder than today's), then its row; each document's chunk list, then
 * its row, which makes it visible. A live document of the same id is replaced by the backup's (its other
 * chunk lists are dropped; chunks only they listed stay stored but are never retrieved).
 */
import { and, eq, inArray, ne, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { decompress } from "../cache/codec";
import { isolateMemoryTier, placement } from "../cache/tiers";
import { CALIBRATION_PREFIX } from "../calibration-store";
import { type CacheConfig, type ConfigPatch, loadConfig, mergeConfig } from "../config";
import { resetConfig, updateConfig } from "../config-store";
import { aliases, chunks, contextChunks, contexts, entries, semanticScopes } from "../db/schema";
import { chunkFingerprint, chunkR2Key, chunkShard } from "../documents/store";
import type { Env } from "../env";
import type { Embedder } from "../semantic/embedders/types";
import type { VectorIndex, VectorRecord } from "../semantic/vectors/types";
import type { StoredEntry, Tier, TierName } from "../tiers/types";
import { base64ToBytes, base64ToVector } from "./base64";
import type {
  AliasRecord,
  BackupRecord,
  ChunkRecord,
  ContextRecord,
  EntryRecord,
  ScopeRecord,
} from "./format";

/** What a restore did. */
export interface RestoreReport {
  entries: number;
  /** Entries expired by now, not written back. */
  expired: number;
  vectors: number;
  aliases: number;
  calibrations: number;
  scopes: number;
  contexts: number;
  chunks: number;
  /** Chunk vectors written from the backup. */
  chunkVectors: number;
  /** Chunks embedded again (no vector in the backup, or one from another embedder). */
  chunksEmbedded: number;
  /** Chunks restored without a vector (none in the backup and no embedder): not retrievable by vector. */
  chunksWithoutVector: number;
  /** `restored`, `none` (the backup had no overrides: they were dropped), or why they were not. */
  config: string;
}

export interface RestoreTargets {
  env: Pick<Env, "DB" | "CACHE_KV"> & Env;
  config: CacheConfig;
  /** The shared tiers (L2-L4) of the current config. */
  tiers: readonly Tier[];
  index: VectorIndex | undefined;
  /** The chunk index and today's embedder (undefined when none is configured). */
  chunkIndex: VectorIndex;
  embedder: Embedder | undefined;
  now: number;
}

/** Order of the writes: the body before the row that points at it (as demotion does). */
const WRITE_ORDER: readonly TierName[] = ["l4", "l3", "l2"];
/** Entries written at once. */
const CONCURRENCY = 8;

function storedOf(record: EntryRecord): StoredEntry {
  const { codec, checksum, size, storedSize, createdAt, expiresAt, namespace } = record;
  return {
    body: base64ToBytes(record.body),
    meta: { codec, checksum, size, storedSize, createdAt, expiresAt, namespace },
  };
}

async function restoreEntry(targets: RestoreTargets, record: EntryRecord): Promise<void> {
  const stored = storedOf(record);
  const accepts = placement(targets.config);
  const info = { model: record.model, prompt: record.prompt };
  for (const name of WRITE_ORDER) {
    const tier = targets.tiers.find((t) => t.name === name);
    if (tier && accepts(name, stored)) await tier.set(record.key, stored, { info });
  }
  // This isolate's L1 may hold another answer under the key; it is read again from the tiers.
  await isolateMemoryTier(targets.config).delete(record.key);
}

/** The D1 rows get the backup's statistics and store time (the tier stamps `now`). */
async function restoreRowStats(d1: D1Database, records: EntryRecord[]): Promise<void> {
  const db = drizzle(d1);
  const updates = records.map((r) =>
    db
      .update(entries)
      .set({ storedAt: r.storedAt, hitCount: r.hitCount, lastHitAt: r.lastHitAt, l2DemotedAt: null })
      .where(inArray(entries.key, [r.key])),
  );
  const [first, ...rest] = updates;
  if (first) await db.batch([first, ...rest]);
}

async function restoreAliases(d1: D1Database, records: AliasRecord[]): Promise<void> {
  const db = drizzle(d1);
  const writes = records.map(({ type: _type, ...row }) => {
    const { key: _key, ...set } = row;
    return db.insert(aliases).values(row).onConflictDoUpdate({ target: aliases.key, set });
  });
  const [first, ...rest] = writes;
  if (first) await db.batch([first, ...rest]);
}

async function restoreVectors(index: VectorIndex | undefined, records: EntryRecord[]): Promise<number> {
  const vectors = records.flatMap((r) =>
    r.vector
      ? [
          {
            id: r.key,
            namespace: r.namespace,
            fingerprint: r.vector.fingerprint,
            text: r.vector.text,
            createdAt: r.vector.createdAt,
            vector: base64ToVector(r.vector.values),
          },
        ]
      : [],
  );
  if (!index || vectors.length === 0) return 0;
  await index.upsert(vectors);
  return vectors.length;
}

/** D1 binds at most 100 parameters per statement. */
const MAX_BINDINGS = 100;

function* slices<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

async function restoreScopes(d1: D1Database, records: ScopeRecord[]): Promise<void> {
  const db = drizzle(d1);
  const writes = [...slices(records, Math.floor(MAX_BINDINGS / 4))].map((part) =>
    db
      .insert(semanticScopes)
      .values(part.map(({ type: _type, ...row }) => row))
      .onConflictDoUpdate({
        target: semanticScopes.key,
        set: {
          namespace: sql`excluded.namespace`,
          context: sql`excluded.context`,
          createdAt: sql`excluded.created_at`,
        },
      }),
  );
  const [first, ...rest] = writes;
  if (first) await db.batch([first, ...rest]);
}

/** One part's chunks: bodies and vectors first, the rows that say they exist last. */
async function restoreChunks(
  targets: RestoreTargets,
  records: ChunkRecord[],
  report: RestoreReport,
): Promise<void> {
  if (records.length === 0) return;
  const { embedder, chunkIndex } = targets;
  for (const part of slices(records, 32)) {
    await Promise.all(
      part.map((r) =>
        targets.env.ARCHIVE.put(chunkR2Key(r.namespace, r.id), base64ToBytes(r.body), {
          customMetadata: { codec: r.codec },
        }),
      ),
    );
  }
  const stored: VectorRecord[] = [];
  const toEmbed: ChunkRecord[] = [];
  const embedderOf = new Map<ChunkRecord, string>();
  for (const r of records) {
    if (r.vector && (!embedder || embedder.model === r.embedder)) {
      stored.push({
        id: r.id,
        namespace: chunkShard(r.namespace),
        fingerprint: r.vector.fingerprint,
        text: r.vector.text,
        createdAt: r.vector.createdAt,
        vector: base64ToVector(r.vector.values),
      });
      embedderOf.set(r, r.embedder);
    } else if (embedder) toEmbed.push(r);
    else {
      embedderOf.set(r, r.embedder);
      report.chunksWithoutVector++;
    }
  }
  if (stored.length > 0) await chunkIndex.upsert(stored);
  report.chunkVectors += stored.length;
  if (embedder && toEmbed.length > 0) {
    const decoder = new TextDecoder();
    for (const part of slices(toEmbed, 32)) {
      const texts = await Promise.all(
        part.map(async (r) => decoder.decode(await decompress(base64ToBytes(r.body), r.codec))),
      );
      const vectors = await embedder.embed(texts);
      await chunkIndex.upsert(
        part.map((r, i) => ({
          id: r.id,
          namespace: chunkShard(r.namespace),
          fingerprint: chunkFingerprint(embedder.model),
          text: texts[i] ?? "",
          createdAt: r.createdAt,
          vector: vectors[i] as Float32Array,
        })),
      );
      for (const r of part) embedderOf.set(r, embedder.model);
    }
    report.chunksEmbedded += toEmbed.length;
  }
  const db = drizzle(targets.env.DB);
  const rows = records.map((record) => {
    const { type: _type, body: _body, vector: _vector, ...row } = record;
    return { ...row, embedder: embedderOf.get(record) ?? row.embedder };
  });
  const writes = [...slices(rows, Math.floor(MAX_BINDINGS / 10))].map((part) =>
    db
      .insert(chunks)
      .values(part)
      .onConflictDoUpdate({
        target: [chunks.namespace, chunks.id],
        set: {
          chars: sql`excluded.chars`,
          tokens: sql`excluded.tokens`,
          size: sql`excluded.size`,
          storedSize: sql`excluded.stored_size`,
          codec: sql`excluded.codec`,
          embedder: sql`excluded.embedder`,
          createdAt: sql`excluded.created_at`,
        },
      }),
  );
  const [first, ...rest] = writes;
  if (first) await db.batch([first, ...rest]);
  report.chunks += records.length;
}

/** A document: its chunk list under the backup's generation, then its row (which makes it visible). */
async function restoreContext(d1: D1Database, record: ContextRecord): Promise<void> {
  const db = drizzle(d1);
  const { type: _type, chunkIds, ...row } = record;
  const ofDocument = and(eq(contextChunks.namespace, row.namespace), eq(contextChunks.contextId, row.id));
  await db.delete(contextChunks).where(and(ofDocument, ne(contextChunks.generation, row.generation)));
  const listRows = chunkIds.map((chunkId, position) => ({
    namespace: row.namespace,
    contextId: row.id,
    generation: row.generation,
    position,
    chunkId,
  }));
  const writes = [...slices(listRows, Math.floor(MAX_BINDINGS / 5))].map((part) =>
    db
      .insert(contextChunks)
      .values(part)
      .onConflictDoUpdate({
        target: [
          contextChunks.namespace,
          contextChunks.contextId,
          contextChunks.generation,
          contextChunks.position,
        ],
        set: { chunkId: sql`excluded.chunk_id` },
      }),
  );
  const [first, ...rest] = writes;
  if (first) await db.batch([first, ...rest]);
  const { namespace: _ns, id: _id, ...set } = row;
  await db
    .insert(contexts)
    .values(row)
    .onConflictDoUpdate({ target: [contexts.namespace, contexts.id], set });
}

/** Applies one part's records. */
export async function applyRecords(
  targets: RestoreTargets,
  records: BackupRecord[],
  report: RestoreReport,
): Promise<void> {
  const live = records.filter(
    (r): r is EntryRecord => r.type === "entry" && (r.expiresAt === null || r.expiresAt > targets.now),
  );
  report.expired += records.filter((r) => r.type === "entry").length - live.length;
  for (let i = 0; i < live.length; i += CONCURRENCY) {
    const batch = live.slice(i, i + CONCURRENCY);
    await Promise.all(batch.map((record) => restoreEntry(targets, record)));
    await restoreRowStats(targets.env.DB, batch);
  }
  report.entries += live.length;
  report.vectors += await restoreVectors(targets.index, live);
  const aliasRecords = records.filter((r): r is AliasRecord => r.type === "alias");
  for (let i = 0; i < aliasRecords.length; i += 50)
    await restoreAliases(targets.env.DB, aliasRecords.slice(i, i + 50));
  report.aliases += aliasRecords.length;
  const scopeRecords = records.filter((r): r is ScopeRecord => r.type === "scope");
  for (const part of slices(scopeRecords, 100)) await restoreScopes(targets.env.DB, part);
  report.scopes += scopeRecords.length;
  const chunkRecords = records.filter((r): r is ChunkRecord => r.type === "chunk");
  for (const part of slices(chunkRecords, 100)) await restoreChunks(targets, part, report);
  for (const record of records) {
    if (record.type !== "context") continue;
    await restoreContext(targets.env.DB, record);
    report.contexts++;
  }
  for (const record of records) {
    if (record.type === "calibration") {
      await targets.env.CACHE_KV.put(
        CALIBRATION_PREFIX + record.embedder,
        JSON.stringify(record.calibration),
      );
      report.calibrations++;
    } else if (record.type === "config") {
      report.config = await restoreConfig(targets.env, record.overrides as ConfigPatch | null);
    }
  }
}

/** Sets the overrides to the backup's (none: dropped); overrides the current base refuses are kept out. */
async function restoreConfig(env: Env, overrides: ConfigPatch | null): Promise<string> {
  if (overrides && Object.keys(overrides).length > 0) {
    try {
      mergeConfig(loadConfig(env), overrides);
    } catch (error) {
      const issue = error instanceof z.ZodError ? error.issues[0] : undefined;
      return `not restored: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid"}`;
    }
  }
  // Replaced, not merged with the live overrides: the state is the backup's.
  await resetConfig(env);
  if (!overrides || Object.keys(overrides).length === 0) return "none";
  await updateConfig(env, overrides);
  return "restored";
}
