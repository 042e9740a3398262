/**
 * @module What `/admin/stats` and `/admin/metrics` show of prefetch: the budget and its use in the last
 * hour, entries prefetched, how many a client later hit, and the precision (hit / prefetched), for the
 * deployment (from the `PrefetchBudget` ledger) or one namespace (from its `Prefetcher`).
 */
import type { CacheConfig } from "../config";
import { PREFETCH_BUDGET_NAME } from "../durable/prefetch-budget";
import { prefetcherName } from "../durable/prefetcher";
import type { Env } from "../env";
import { precisionOf } from "./batch";

export interface PrefetchStatus {
  /** `prefetchPerHour` above 0. */
  enabled: boolean;
  budget_per_hour: number;
  /** Upstream calls granted to prefetch in the last hour (deployment only). */
  calls_last_hour?: number;
  prefetched: number;
  /** Prefetched entries a client later hit (each counted once). */
  hits: number;
  /** hits / prefetched; null before the first prefetch. */
  precision: number | null;
  /** Transitions and successor requests learnt (namespace only). */
  transitions?: number;
  requests?: number;
}

/** The deployment's prefetch figures, or one namespace's. */
export async function prefetchStatus(
  env: Pick<Env, "PREFETCHER" | "PREFETCH_BUDGET">,
  config: CacheConfig,
  namespace?: string,
): Promise<PrefetchStatus> {
  const base = { enabled: config.prefetchPerHour > 0, budget_per_hour: config.prefetchPerHour };
  if (namespace !== undefined) {
    const s = await env.PREFETCHER.get(env.PREFETCHER.idFromName(prefetcherName(namespace))).summary();
    return { ...base, ...s, precision: precisionOf(s) };
  }
  const ledger = await env.PREFETCH_BUDGET.get(
    env.PREFETCH_BUDGET.idFromName(PREFETCH_BUDGET_NAME),
  ).summary();
  return {
    ...base,
    calls_last_hour: ledger.callsLastHour,
    prefetched: ledger.prefetched,
    hits: ledger.hits,
    precision: precisionOf(ledger),
  };
}
