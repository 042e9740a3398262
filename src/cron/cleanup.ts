/** @module Cron job: delete expired entries from the tiers that do not expire them on their own. */
import type { Tier, TierName } from "../tiers/types";

export interface CleanupReport {
  /** Entries removed per tier (tiers that expire by themselves, like KV, are absent). */
  removed: Partial<Record<TierName, number>>;
  /** Tiers whose sweep failed; the others still ran. */
  failed: TierName[];
}

/**
 * Sweeps D1 and R2 for entries past their expiry or their tier's TTL. KV expires values itself and
 * L1 drops them when read. A tier that fails is reported and the sweep goes on with the next.
 */
export async function cleanupExpired(tiers: readonly Tier[]): Promise<CleanupReport> {
  const report: CleanupReport = { removed: {}, failed: [] };
  for (const tier of tiers) {
    if (!tier.purgeExpired) continue;
    try {
      report.removed[tier.name] = await tier.purgeExpired();
    } catch {
      report.failed.push(tier.name);
    }
  }
  return report;
}
