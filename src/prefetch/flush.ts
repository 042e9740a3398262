/**
 * @module Prefetch, run from `waitUntil` after a response: at most every {@link FLUSH_INTERVAL_MS} the
 * isolate sends each namespace's noted lookups to its `Prefetcher`, which learns them and answers the
 * likely next requests; those not cached already are claimed from the deployment's budget
 * (`PrefetchBudget`, so `prefetchPerHour` holds across isolates) and fetched through the normal miss
 * path: coalesced with any client asking the same, stored in the tiers like any answer.
 */
import { exactKey } from "../cache/key";
import type { CacheService } from "../cache/service";
import type { CacheConfig } from "../config";
import { prefetcherName } from "../durable/prefetcher";
import type { Env } from "../env";
import { describeError } from "../errors";
import type { ChatParams } from "../upstream/types";
import { MAX_REQUEST_BYTES } from "./batch";
import {
  MAX_PENDING_ACCESSES,
  type PendingNamespace,
  pendingPrefetchAccesses,
  takePendingAccesses,
} from "./recorder";

/** Least time between two flushes of one isolate (the statistics flush's interval). */
export const FLUSH_INTERVAL_MS = 5_000;

export type PrefetchBindings = Pick<Env, "PREFETCHER">;
type PrefetchCache = Pick<CacheService, "chain" | "resolve">;

let lastFlushAt = Date.now();

/** What a flush did, for the tests and the logs. */
export interface PrefetchFlush {
  candidates: number;
  /** Candidates already cached (no call needed). */
  cached: number;
  /** Prefetches the budget granted, and of them those stored. */
  granted: number;
  stored: number;
}

/**
 * Sends the pending lookups when due (or `force`) and runs the prefetches they lead to; resolves when
 * those are stored. Never throws: a failed namespace is logged and its lookups dropped (learning thins
 * out, it is never wrong).
 */
export async function flushPrefetch(
  env: PrefetchBindings,
  cache: PrefetchCache,
  config: CacheConfig,
  force = false,
): Promise<PrefetchFlush> {
  const result: PrefetchFlush = { candidates: 0, cached: 0, granted: 0, stored: 0 };
  const now = Date.now();
  const pending = pendingPrefetchAccesses();
  if (!env.PREFETCHER || pending === 0) return result;
  if (!force && now - lastFlushAt < FLUSH_INTERVAL_MS && pending < MAX_PENDING_ACCESSES) return result;
  lastFlushAt = now;
  const namespaces = takePendingAccesses();
  await Promise.all(
    [...namespaces].map(([namespace, notes]) =>
      flushNamespace(env, cache, config, namespace, notes, result).catch((error) =>
        console.warn(`r1cache: prefetch learning of a namespace failed: ${describeError(error)}`),
      ),
    ),
  );
  return result;
}

async function flushNamespace(
  env: PrefetchBindings,
  cache: PrefetchCache,
  config: CacheConfig,
  namespace: string,
  notes: PendingNamespace,
  result: PrefetchFlush,
): Promise<void> {
  const requests: Record<string, string> = {};
  for (const [key, params] of notes.requests) {
    const json = JSON.stringify(params);
    if (json.length <= MAX_REQUEST_BYTES) requests[key] = json;
  }
  const stub = env.PREFETCHER.get(env.PREFETCHER.idFromName(prefetcherName(namespace)));
  const on = config.prefetchPerHour > 0;
  const candidates = await stub.ingest(
    namespace,
    { accesses: notes.accesses, transitions: notes.transitions, requests },
    on ? { minCount: config.prefetchMinCount, minProbability: config.prefetchMinProbability } : undefined,
  );
  result.candidates += candidates.length;
  const missing: Array<{ key: string; params: ChatParams }> = [];
  for (const candidate of candidates) {
    const params = JSON.parse(candidate.params) as ChatParams;
    // The request must produce the key in this namespace: a stored row can never fill another key.
    if ((await exactKey(namespace, params)) !== candidate.key) continue;
    if (await cache.chain.get(candidate.key, { peek: true })) result.cached++;
    else missing.push({ key: candidate.key, params });
  }
  if (missing.length === 0) return;
  const granted = new Set(
    await stub.claim(
      namespace,
      missing.map((c) => c.key),
      config.prefetchPerHour,
    ),
  );
  result.granted += granted.size;
  await Promise.all(
    missing
      .filter((c) => granted.has(c.key))
      .map(async (c) => {
        try {
          await prefetchOne(cache, namespace, c);
          result.stored++;
        } catch (error) {
          console.warn(`r1cache: prefetch failed: ${describeError(error)}`);
        }
      }),
  );
}

/** Fetches one answer through the miss path (exact only, no lookup: it was just found missing). */
async function prefetchOne(
  cache: PrefetchCache,
  namespace: string,
  candidate: { key: string; params: ChatParams },
) {
  const outcome = await cache.resolve({
    namespace,
    key: candidate.key,
    params: candidate.params,
    controls: { lookup: false, store: true, semantic: false },
    origin: "prefetch",
  });
  if (outcome.status !== "HIT") await outcome.entry;
}
