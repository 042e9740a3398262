/**
 * @module The isolate's side of global statistics: counts wait in memory, added up per key and per hour,
 * and reach one `StatsShard` in a batch at most every {@link FLUSH_INTERVAL_MS} (from `waitUntil`, never
 * on the hit path). Reads ask every shard and add the answers.
 */
import { type HourRow, type KeyRow, STATS_SHARDS, type StatsShard } from "../durable/stats-shard";
import { describeError } from "../errors";
import type { TierName } from "../tiers/types";
import { sampleAccess } from "../tuning/sample";
import {
  emptyHour,
  HOUR_MS,
  type HourDelta,
  type KeyDelta,
  latencyBucket,
  perTier,
  type StatsBatch,
} from "./batch";

export const FLUSH_INTERVAL_MS = 5_000;
/** A batch this large goes out without waiting for the interval. */
const MAX_PENDING_KEYS = 500;

export type StatsNamespace = DurableObjectNamespace<StatsShard>;

let pending: StatsBatch = { keys: {}, hours: {} };
let pendingKeys = 0;
let lastFlushAt = Date.now();
/** This isolate's shard, drawn on first flush: isolates spread over the shards, each sends to one. */
let shard: number | undefined;

const hourOf = (now: number) => String(Math.floor(now / HOUR_MS) * HOUR_MS);
const hour = (now: number): HourDelta => {
  const slot = hourOf(now);
  pending.hours[slot] ??= emptyHour();
  return pending.hours[slot];
};
const keyDelta = (key: string, namespace: string, now: number): KeyDelta => {
  let delta = pending.keys[key];
  if (!delta) {
    delta = {
      namespace,
      hits: perTier(),
      misses: 0,
      lastAccess: now,
      size: 0,
      upstreamMs: 0,
      tokensSaved: 0,
    };
    pending.keys[key] = delta;
    pendingKeys++;
  }
  delta.lastAccess = Math.max(delta.lastAccess, now);
  return delta;
};

export function recordHit(
  key: string,
  namespace: string,
  tier: TierName,
  tokens: number,
  size: number,
): void {
  const now = Date.now();
  sampleAccess(key, namespace, size, now);
  const delta = keyDelta(key, namespace, now);
  delta.hits[tier]++;
  delta.tokensSaved += tokens;
  delta.size = size;
  const h = hour(now);
  h.hits++;
  h.tokensSaved += tokens;
}

export function recordMiss(key: string, namespace: string): void {
  const now = Date.now();
  sampleAccess(key, namespace, 0, now);
  keyDelta(key, namespace, now).misses++;
  hour(now).misses++;
}

export function recordUpstream(key: string, namespace: string, ms: number, ok: boolean): void {
  const now = Date.now();
  keyDelta(key, namespace, now).upstreamMs += ms;
  const h = hour(now);
  h.upstreamCalls++;
  if (!ok) h.upstreamErrors++;
}

export function recordLatency(ms: number): void {
  const h = hour(Date.now());
  const bucket = latencyBucket(ms);
  h.latency[bucket] = (h.latency[bucket] ?? 0) + 1;
}

/**
 * Sends the pending batch to this isolate's shard when it is due (or `force`). A failed send puts the
 * counts back for the next flush: statistics may arrive late, not be lost.
 */
export async function flushStats(shards: StatsNamespace | undefined, force = false): Promise<void> {
  const now = Date.now();
  if (!shards || pendingKeys + Object.keys(pending.hours).length === 0) return;
  if (!force && now - lastFlushAt < FLUSH_INTERVAL_MS && pendingKeys < MAX_PENDING_KEYS) return;
  const batch = pending;
  pending = { keys: {}, hours: {} };
  pendingKeys = 0;
  lastFlushAt = now;
  shard ??= Math.floor(Math.random() * STATS_SHARDS);
  try {
    await shards.get(shards.idFromName(`stats:${shard}`)).ingest(batch);
  } catch (error) {
    console.warn(`r1cache: statistics flush failed, kept for the next one: ${describeError(error)}`);
    mergeInto(pending, batch);
    pendingKeys = Object.keys(pending.keys).length;
  }
}

/** Adds one hour's counts to another's. */
function addHour(target: HourDelta, d: HourDelta): void {
  target.hits += d.hits;
  target.misses += d.misses;
  target.upstreamCalls += d.upstreamCalls;
  target.upstreamErrors += d.upstreamErrors;
  target.tokensSaved += d.tokensSaved;
  d.latency.forEach((count, i) => {
    target.latency[i] = (target.latency[i] ?? 0) + count;
  });
}

function mergeInto(target: StatsBatch, source: StatsBatch): void {
  for (const [key, d] of Object.entries(source.keys)) {
    const t = target.keys[key];
    if (!t) {
      target.keys[key] = d;
      continue;
    }
    for (const tier of Object.keys(d.hits) as TierName[]) t.hits[tier] += d.hits[tier];
    t.misses += d.misses;
    t.upstreamMs += d.upstreamMs;
    t.tokensSaved += d.tokensSaved;
    t.lastAccess = Math.max(t.lastAccess, d.lastAccess);
  }
  for (const [slot, d] of Object.entries(source.hours)) {
    const t = target.hours[slot];
    if (t) addHour(t, d);
    else target.hours[slot] = d;
  }
}

/** The deployment's statistics: every shard's hours since `sinceHour` added up, and the top keys. */
export async function readGlobalStats(
  shards: StatsNamespace,
  options: { sinceHour: number; top: number },
): Promise<{ hours: HourRow[]; topKeys: KeyRow[]; keys: number }> {
  const summaries = await Promise.all(
    Array.from({ length: STATS_SHARDS }, (_, i) =>
      shards.get(shards.idFromName(`stats:${i}`)).summary(options.sinceHour, options.top),
    ),
  );
  const hours = new Map<number, HourRow>();
  const keys = new Map<string, KeyRow>();
  let keyCount = 0;
  for (const summary of summaries) {
    keyCount += summary.keys;
    for (const row of summary.hours) {
      const t = hours.get(row.hour);
      if (t) addHour(t, row);
      else hours.set(row.hour, { ...row, latency: [...row.latency] });
    }
    // A key's counts may sit in several shards (each isolate sends to its own): add them up.
    for (const row of summary.topKeys) {
      const t = keys.get(row.key);
      if (!t) keys.set(row.key, { ...row });
      else {
        for (const f of [
          "hits",
          "hitsL1",
          "hitsL2",
          "hitsL3",
          "hitsL4",
          "misses",
          "upstreamMs",
          "tokensSaved",
        ] as const)
          t[f] += row[f];
        t.lastAccess = Math.max(t.lastAccess, row.lastAccess);
      }
    }
  }
  return {
    hours: [...hours.values()].sort((a, b) => a.hour - b.hour),
    topKeys: [...keys.values()].sort((a, b) => b.hits - a.hits).slice(0, options.top),
    // Keys seen by several shards count once per shard: an upper bound.
    keys: keyCount,
  };
}
