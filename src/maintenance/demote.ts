/**
 * @module Demotion: entries nobody reads move down a tier, bounded per run. Idle L1 entries leave the
 * isolate's memory (written to KV first when no lower tier holds them), idle KV copies are removed
 * (D1 keeps the entry), and idle D1 bodies move to R2 (the row stays as their index). Promotion is the
 * chain's back-fill on a hit, so hits and this job together give L1 -> L2 -> L3 -> L4 and back.
 *
 * Progress lives in the data, not in a cursor that could drift from it: a KV copy removed is marked on
 * its row (`l2_demoted_at`, cleared by the next hit), a body moved has `location = 'l4'`. A run that
 * stops half-way leaves the rest for the next one, and every step is safe to repeat: R2 is written
 * before the row is switched, so an entry is never in neither.
 */
import { and, asc, count, eq, inArray, isNotNull, isNull, lt, sql, sum } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { CacheConfig } from "../config";
import { entries } from "../db/schema";
import type { MemoryTier } from "../tiers/memory";
import type { Tier, TierName } from "../tiers/types";

export interface DemoteReport {
  /** Entries moved out of this isolate's L1. */
  l1: number;
  /** KV copies removed (D1 or R2 holds the entry). */
  l2: number;
  /** D1 bodies moved to R2. */
  l3: number;
  /** Entries removed because R2 was over `tiers.l4.maxBytes` (nothing lies below R2). */
  evicted: number;
  /** Entries a step could not move this time (a tier failed); they stay where they were. */
  failed: number;
  /** A step stopped at its batch limit: run again to go on. */
  more: boolean;
}

export interface DemoteDeps {
  memory: MemoryTier;
  /** The shared tiers by name (L2 KV, L4 R2); L3 is read and switched through `db`. */
  tiers: Partial<Record<TierName, Tier>>;
  db: D1Database;
}

export interface RunOptions {
  /** Epoch ms to judge idleness against (tests move it forward). */
  now: number;
  /** Entries per step and run. */
  batch: number;
}

/** When an entry was last used: its last hit, else when it was stored. */
const lastUsed = sql<number>`coalesce(${entries.lastHitAt}, ${entries.storedAt})`;

/** Runs the three steps once, each on at most `batch` entries. */
export async function demote(deps: DemoteDeps, config: CacheConfig, run: RunOptions): Promise<DemoteReport> {
  const report: DemoteReport = { l1: 0, l2: 0, l3: 0, evicted: 0, failed: 0, more: false };
  const after = config.demoteAfterSeconds;
  if (after.l1 > 0) await demoteMemory(deps, config, run.now - after.l1 * 1000, run.batch, report);
  if (after.l2 > 0) await demoteKv(deps, run.now - after.l2 * 1000, run, report);
  if (after.l3 > 0) await demoteD1(deps, run.now - after.l3 * 1000, run.batch, report);
  await enforceCapacity(deps, config, run, report);
  return report;
}

async function demoteMemory(
  deps: DemoteDeps,
  config: CacheConfig,
  before: number,
  batch: number,
  report: DemoteReport,
): Promise<void> {
  const idle = deps.memory.idleEntries(before, batch);
  // Entries stored by the write policy are in a lower tier already; L1-only ones go to KV (or R2 if big).
  const lowerHolds = config.writeTiers.some((tier) => tier !== "l1");
  for (const { key, entry } of idle) {
    if (!lowerHolds) {
      const target = entry.meta.storedSize <= config.tiers.l2.maxEntryBytes ? deps.tiers.l2 : deps.tiers.l4;
      try {
        await target?.set(key, entry);
      } catch {
        report.failed++;
        continue;
      }
    }
    await deps.memory.delete(key);
    report.l1++;
  }
  report.more ||= idle.length === batch;
}

/**
 * Capacities of the shared tiers, coldest first, within the batch: KV copies over `l2.maxEntries` go
 * (D1 keeps the entry), D1 bodies over `l3.maxBytes` move to R2, and entries whose bodies put R2 over
 * `l4.maxBytes` are removed, the only step that loses entries, because no tier lies below R2.
 */
async function enforceCapacity(deps: DemoteDeps, config: CacheConfig, run: RunOptions, report: DemoteReport) {
  const db = drizzle(deps.db);
  const { l2, l3, l4 } = config.tiers;
  if (l2.maxEntries > 0) {
    const [row] = await db.select({ n: count() }).from(entries).where(isNull(entries.l2DemotedAt));
    const excess = (row?.n ?? 0) - l2.maxEntries;
    if (excess > 0) {
      await demoteKv(deps, Number.POSITIVE_INFINITY, { ...run, batch: Math.min(run.batch, excess) }, report);
    }
  }
  if (l3.maxBytes > 0) {
    const excess = (await bytesAt(db, "l3")) - l3.maxBytes;
    if (excess > 0) await demoteD1(deps, Number.POSITIVE_INFINITY, run.batch, report, excess);
  }
  if (l4.maxBytes > 0) {
    let excess = (await bytesAt(db, "l4")) - l4.maxBytes;
    if (excess <= 0) return;
    const rows = await db
      .select({ key: entries.key, storedSize: entries.storedSize })
      .from(entries)
      .where(eq(entries.location, "l4"))
      .orderBy(asc(lastUsed))
      .limit(run.batch);
    for (const row of rows) {
      if (excess <= 0) break;
      await Promise.all(
        Object.values(deps.tiers).map((tier) => tier?.delete(row.key).catch(() => undefined)),
      );
      await db.delete(entries).where(eq(entries.key, row.key));
      excess -= row.storedSize;
      report.evicted++;
    }
    report.more ||= excess > 0;
  }
}

/** Bytes of bodies held at `location` (D1 rows or R2), from the index. */
async function bytesAt(db: ReturnType<typeof drizzle>, location: "l3" | "l4"): Promise<number> {
  const where =
    location === "l3" ? and(eq(entries.location, "l3"), isNotNull(entries.body)) : eq(entries.location, "l4");
  const [row] = await db
    .select({ bytes: sum(entries.storedSize) })
    .from(entries)
    .where(where);
  return Number(row?.bytes ?? 0);
}

async function demoteKv(
  deps: DemoteDeps,
  before: number,
  run: RunOptions,
  report: DemoteReport,
): Promise<void> {
  const db = drizzle(deps.db);
  // An infinite `before` is a capacity pass: the coldest go, idle or not.
  const idle = Number.isFinite(before) ? lt(lastUsed, before) : undefined;
  const rows = await db
    .select({ key: entries.key })
    .from(entries)
    .where(and(isNull(entries.l2DemotedAt), idle))
    .orderBy(asc(lastUsed))
    .limit(run.batch);
  const done: string[] = [];
  for (const { key } of rows) {
    try {
      await deps.tiers.l2?.delete(key);
      done.push(key);
    } catch {
      report.failed++;
    }
  }
  // D1 binds at most 100 parameters per statement.
  for (let i = 0; i < done.length; i += 90) {
    await db
      .update(entries)
      .set({ l2DemotedAt: run.now })
      .where(inArray(entries.key, done.slice(i, i + 90)));
  }
  report.l2 += done.length;
  report.more ||= rows.length === run.batch;
}

async function demoteD1(
  deps: DemoteDeps,
  before: number,
  batch: number,
  report: DemoteReport,
  /** Stop once this many bytes moved (a capacity pass); unset: every idle body in the batch. */
  bytes = Number.POSITIVE_INFINITY,
): Promise<void> {
  const db = drizzle(deps.db);
  const idle = Number.isFinite(before) ? lt(lastUsed, before) : undefined;
  const rows = await db
    .select()
    .from(entries)
    .where(and(eq(entries.location, "l3"), isNotNull(entries.body), idle))
    .orderBy(asc(lastUsed))
    .limit(batch);
  let moved = 0;
  for (const row of rows) {
    if (moved >= bytes) break;
    if (!row.body || !deps.tiers.l4) continue;
    const { codec, checksum, size, storedSize, createdAt, expiresAt, namespace } = row;
    try {
      await deps.tiers.l4.set(row.key, {
        body: row.body,
        meta: { codec, checksum, size, storedSize, createdAt, expiresAt, namespace },
      });
      // Only the body that was copied: a rewrite since the read keeps its row as it is.
      await db
        .update(entries)
        .set({ location: "l4", body: null })
        .where(and(eq(entries.key, row.key), eq(entries.checksum, checksum), eq(entries.location, "l3")));
      report.l3++;
      moved += storedSize;
    } catch {
      report.failed++;
    }
  }
  report.more ||= rows.length === batch;
}
