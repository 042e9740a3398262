/**
 * @module Cleanup: expired entries out of the tiers that do not expire them on their own, then, when
 * configured, entries older than `maxAgeDays` and entries hit fewer than `minAccessCount` times once a
 * day old. Bounded per run like demotion; removed entries take their aliases with them.
 */
import { and, asc, lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { CacheConfig } from "../config";
import { entries } from "../db/schema";
import type { Tier, TierName } from "../tiers/types";
import type { RunOptions } from "./demote";

const DAY_MS = 86_400_000;
/** An entry gets this long to be asked again before `minAccessCount` judges it. */
export const MIN_ACCESS_GRACE_MS = DAY_MS;

export interface CleanupReport {
  /** Expired entries removed per tier (tiers that expire by themselves, like KV, are absent). */
  expired: Partial<Record<TierName, number>>;
  /** Entries removed for being older than `maxAgeDays`. */
  aged: number;
  /** Entries removed for having fewer than `minAccessCount` hits. */
  unused: number;
  /** Tiers whose sweep failed; the others still ran. */
  failed: TierName[];
  /** A step stopped at its batch limit: run again to go on. */
  more: boolean;
}

export interface CleanupDeps {
  /** Every tier, in order; an entry removed goes from all of them. */
  tiers: readonly Tier[];
  db: D1Database;
  /** Removes the aliases that point at an entry. */
  clearAliases(canonicalKey: string): Promise<void>;
}

/** Sweeps expired entries from D1 and R2 (KV expires values itself, L1 drops them when read). */
export async function cleanupExpired(
  tiers: readonly Tier[],
): Promise<Pick<CleanupReport, "expired" | "failed">> {
  const report: Pick<CleanupReport, "expired" | "failed"> = { expired: {}, failed: [] };
  for (const tier of tiers) {
    if (!tier.purgeExpired) continue;
    try {
      report.expired[tier.name] = await tier.purgeExpired();
    } catch {
      report.failed.push(tier.name);
    }
  }
  return report;
}

/** Runs the sweep and the retention rules once, each rule on at most `batch` entries. */
export async function cleanup(
  deps: CleanupDeps,
  config: CacheConfig,
  run: RunOptions,
): Promise<CleanupReport> {
  const report: CleanupReport = { ...(await cleanupExpired(deps.tiers)), aged: 0, unused: 0, more: false };
  const db = drizzle(deps.db);
  const remove = async (keys: string[]): Promise<number> => {
    for (const key of keys) {
      await Promise.all(deps.tiers.map((tier) => tier.delete(key).catch(() => {})));
      await deps.clearAliases(key).catch(() => {});
    }
    return keys.length;
  };
  if (config.maxAgeDays > 0) {
    const rows = await db
      .select({ key: entries.key })
      .from(entries)
      .where(lt(entries.createdAt, run.now - config.maxAgeDays * DAY_MS))
      .orderBy(asc(entries.createdAt))
      .limit(run.batch);
    report.aged = await remove(rows.map((r) => r.key));
    report.more ||= rows.length === run.batch;
  }
  if (config.minAccessCount > 0) {
    const rows = await db
      .select({ key: entries.key })
      .from(entries)
      .where(
        and(
          lt(entries.hitCount, config.minAccessCount),
          lt(entries.createdAt, run.now - MIN_ACCESS_GRACE_MS),
        ),
      )
      .orderBy(asc(entries.createdAt))
      .limit(run.batch);
    report.unused = await remove(rows.map((r) => r.key));
    report.more ||= rows.length === run.batch;
  }
  return report;
}
