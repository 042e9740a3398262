/**
 * @module What an isolate sends to a `StatsShard`: counts per key and per hour since its last flush, and
 * the response-time histogram. Plain JSON-able data, merged by addition, so batches and shards combine in
 * any order and a count is never lost to a race.
 */
import type { TierName } from "../tiers/types";

/** Upper bounds (ms) of the response-time histogram; percentiles are read off it (one bucket's precision). */
export const LATENCY_BOUNDS_MS = [
  1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500,
  10000, 20000, 30000, 60000,
] as const;

export type PerTier = Record<TierName, number>;
export const perTier = (): PerTier => ({ l1: 0, l2: 0, l3: 0, l4: 0 });

/** One key's counts in a batch. */
export interface KeyDelta {
  namespace: string;
  hits: PerTier;
  misses: number;
  /** Epoch ms of the last access in the batch. */
  lastAccess: number;
  /** Stored size of the entry (bytes, as last seen). */
  size: number;
  /** Time the upstream took for this key's misses (ms, summed). */
  upstreamMs: number;
  /** Completion tokens its hits saved. */
  tokensSaved: number;
}

/** One hour's counts in a batch (hours are epoch ms floored to the hour, UTC). */
export interface HourDelta {
  hits: number;
  misses: number;
  upstreamCalls: number;
  upstreamErrors: number;
  tokensSaved: number;
  /** Responses per {@link LATENCY_BOUNDS_MS} bucket, plus one above the last. */
  latency: number[];
}

export interface StatsBatch {
  keys: Record<string, KeyDelta>;
  hours: Record<string, HourDelta>;
}

export const HOUR_MS = 3_600_000;

export const emptyHour = (): HourDelta => ({
  hits: 0,
  misses: 0,
  upstreamCalls: 0,
  upstreamErrors: 0,
  tokensSaved: 0,
  latency: new Array(LATENCY_BOUNDS_MS.length + 1).fill(0),
});

/** The bucket of a response time. */
export function latencyBucket(ms: number): number {
  const index = LATENCY_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return index === -1 ? LATENCY_BOUNDS_MS.length : index;
}

/** The upper bound (ms) of the bucket holding quantile `q` of a histogram; null when it is empty. */
export function quantileOf(histogram: readonly number[], q: number): number | null {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (const [i, count] of histogram.entries()) {
    seen += count;
    if (seen >= rank) return LATENCY_BOUNDS_MS[i] ?? Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}
