/**
 * @module Applies a verified backup to the live cache: entries through the tiers the current config
 * writes to (`placement`, R2 before the D1 row), their D1 statistics, their vectors into the index, the
 * aliases, the config overrides and the calibrations. Every write is an upsert of the backup's values,
 * so restoring twice leaves the same state; entries that are not in the backup are left alone.
 */
import { inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { isolateMemoryTier, placement } from "../cache/tiers";
import { CALIBRATION_PREFIX } from "../calibration-store";
import { type CacheConfig, type ConfigPatch, loadConfig, mergeConfig } from "../config";
import { resetConfig, updateConfig } from "../config-store";
import { aliases, entries } from "../db/schema";
import type { Env } from "../env";
import type { VectorIndex } from "../semantic/vectors/types";
import type { StoredEntry, Tier, TierName } from "../tiers/types";
import { base64ToBytes, base64ToVector } from "./base64";
import type { AliasRecord, BackupRecord, EntryRecord } from "./format";

/** What a restore did. */
export interface RestoreReport {
  entries: number;
  /** Entries expired by now, not written back. */
  expired: number;
  vectors: number;
  aliases: number;
  calibrations: number;
  /** `restored`, `none` (the backup had no overrides: they were dropped), or why they were not. */
  config: string;
}

export interface RestoreTargets {
  env: Pick<Env, "DB" | "CACHE_KV"> & Env;
  config: CacheConfig;
  /** The shared tiers (L2-L4) of the current config. */
  tiers: readonly Tier[];
  index: VectorIndex | undefined;
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
