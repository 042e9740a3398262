/**
 * @module The deployment-wide view `/admin/stats` answers: the shards' hourly counts added up (hit rate
 * per hour and per day, latency percentiles, upstream calls, tokens saved), the busiest keys, and the D1
 * index's count of entries and bytes (each entry once, wherever its body lives).
 */
import { count, sum } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { entries } from "../db/schema";
import type { HourRow, KeyRow } from "../durable/stats-shard";
import { HOUR_MS, quantileOf } from "./batch";
import { flushStats, readGlobalStats, type StatsNamespace } from "./collector";

const DAY_MS = 24 * HOUR_MS;
/** Hours shown per hour; older hours are summed per day (31 days are kept). */
const HOURLY_WINDOW = 48;

export interface GlobalStats {
  hits: number;
  misses: number;
  hitRate: number;
  upstreamCalls: number;
  upstreamErrors: number;
  tokensSaved: number;
  responses: number;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
  /** Per hour, with that hour's response-time percentiles (null: no responses that hour). */
  hourly: Array<{
    hour: string;
    hits: number;
    misses: number;
    hit_rate: number;
    upstream_calls: number;
    tokens_saved: number;
    p50_ms: number | null;
    p95_ms: number | null;
    p99_ms: number | null;
  }>;
  daily: Array<{ day: string; hits: number; misses: number; hit_rate: number; upstream_calls: number }>;
  topKeys: KeyRow[];
  keysTracked: number;
  /** The last two hours, what alerts judge. */
  recent: {
    hits: number;
    misses: number;
    upstreamCalls: number;
    upstreamErrors: number;
    p95Ms: number | null;
  };
}

const rate = (hits: number, misses: number) => (hits + misses === 0 ? 0 : hits / (hits + misses));

/** Reads every shard (after sending this isolate's pending counts) and adds them up. */
export async function globalStats(shards: StatsNamespace, now = Date.now()): Promise<GlobalStats> {
  await flushStats(shards, true);
  const since = Math.floor((now - 31 * DAY_MS) / HOUR_MS) * HOUR_MS;
  const { hours, topKeys, keys } = await readGlobalStats(shards, { sinceHour: since, top: 10 });
  const total = (f: (h: HourRow) => number) => hours.reduce((a, h) => a + f(h), 0);
  const hits = total((h) => h.hits);
  const misses = total((h) => h.misses);
  // Percentiles of the last 24 hours.
  const recent = hours.filter((h) => h.hour >= now - DAY_MS);
  const histogram: number[] = [];
  for (const h of recent) {
    for (const [i, n] of h.latency.entries()) histogram[i] = (histogram[i] ?? 0) + n;
  }
  const lastTwo = hours.filter((h) => h.hour >= Math.floor(now / HOUR_MS) * HOUR_MS - HOUR_MS);
  const lastTwoHistogram: number[] = [];
  for (const h of lastTwo) {
    for (const [i, n] of h.latency.entries()) lastTwoHistogram[i] = (lastTwoHistogram[i] ?? 0) + n;
  }
  const sumOf = (rows: HourRow[], f: (h: HourRow) => number) => rows.reduce((a, h) => a + f(h), 0);
  const days = new Map<number, { hits: number; misses: number; upstream_calls: number }>();
  for (const h of hours) {
    const day = Math.floor(h.hour / DAY_MS) * DAY_MS;
    const d = days.get(day) ?? { hits: 0, misses: 0, upstream_calls: 0 };
    d.hits += h.hits;
    d.misses += h.misses;
    d.upstream_calls += h.upstreamCalls;
    days.set(day, d);
  }
  return {
    hits,
    misses,
    hitRate: rate(hits, misses),
    upstreamCalls: total((h) => h.upstreamCalls),
    upstreamErrors: total((h) => h.upstreamErrors),
    tokensSaved: total((h) => h.tokensSaved),
    responses: histogram.reduce((a, b) => a + b, 0),
    latencyMs: {
      p50: quantileOf(histogram, 0.5),
      p95: quantileOf(histogram, 0.95),
      p99: quantileOf(histogram, 0.99),
    },
    hourly: hours
      .filter((h) => h.hour >= now - HOURLY_WINDOW * HOUR_MS)
      .map((h) => ({
        hour: new Date(h.hour).toISOString(),
        hits: h.hits,
        misses: h.misses,
        hit_rate: rate(h.hits, h.misses),
        upstream_calls: h.upstreamCalls,
        tokens_saved: h.tokensSaved,
        p50_ms: quantileOf(h.latency, 0.5),
        p95_ms: quantileOf(h.latency, 0.95),
        p99_ms: quantileOf(h.latency, 0.99),
      })),
    daily: [...days].map(([day, d]) => ({
      day: new Date(day).toISOString().slice(0, 10),
      ...d,
      hit_rate: rate(d.hits, d.misses),
    })),
    topKeys,
    keysTracked: keys,
    recent: {
      hits: sumOf(lastTwo, (h) => h.hits),
      misses: sumOf(lastTwo, (h) => h.misses),
      upstreamCalls: sumOf(lastTwo, (h) => h.upstreamCalls),
      upstreamErrors: sumOf(lastTwo, (h) => h.upstreamErrors),
      p95Ms: quantileOf(lastTwoHistogram, 0.95),
    },
  };
}

/** Entries in the D1 index (both locations) with their plain and stored bytes: each entry counted once. */
export async function entryIndex(
  d1: D1Database,
): Promise<{ entries: number; plainBytes: number; storedBytes: number }> {
  const [row] = await drizzle(d1)
    .select({ n: count(), plain: sum(entries.size), stored: sum(entries.storedSize) })
    .from(entries);
  return { entries: row?.n ?? 0, plainBytes: Number(row?.plain ?? 0), storedBytes: Number(row?.stored ?? 0) };
}
