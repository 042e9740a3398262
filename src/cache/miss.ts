/**
 * @module The miss path: follow the one upstream call for a key through its `Coalescer` Durable Object
 * (src/cache/coalescing.ts), or call the upstream directly when the object cannot be reached, and
 * count the call.
 */
import type { CacheConfig } from "../config";
import type { Env } from "../env";
import { describeError } from "../errors";
import { recordMiss, recordUpstream } from "../stats/collector";
import { type UpstreamVariables, upstreamTimeoutMs, upstreamVariables } from "../upstream";
import type { Upstream } from "../upstream/types";
import { coalescerName, type JoinedFlight, joinCoalescer } from "./coalescing";
import type { CacheEntry } from "./entry";
import { Flight, type FlightRequest, fly } from "./flight";
import type { CacheStats } from "./stats";
import type { CacheStorage } from "./storage";

/** How long a miss waits for its coalescer to answer before it calls the upstream itself. */
const COALESCER_JOIN_TIMEOUT_MS = 5_000;
/** Silence from the coalescer beyond the upstream's own timeout that fails the request. */
const COALESCER_IDLE_MARGIN_MS = 15_000;

/** What the miss path reads from the environment: the coalescers and the upstream's variables. */
export type MissBindings = Pick<Env, "COALESCER"> & UpstreamVariables;

export interface MissPathOptions {
  env: MissBindings;
  ctx: Pick<ExecutionContext, "waitUntil">;
  config: CacheConfig;
  stats: CacheStats;
  storage: CacheStorage;
}

export interface Miss extends JoinedFlight {
  upstream: Upstream;
}

export function createMissPath(options: MissPathOptions) {
  const { env, ctx, config, stats, storage } = options;

  /**
   * Joins (or leads) the upstream call for `request`. `onStored` runs after a led call's answer is
   * stored (e.g. to index its question for paraphrases).
   */
  async function miss(request: FlightRequest, upstream: Upstream, onStored: () => void): Promise<Miss> {
    const joined = await join(request, upstream);
    if (joined.leader) {
      const { key, namespace } = request;
      const startedAt = Date.now();
      const prefetch = request.origin === "prefetch";
      // A prefetch is an upstream call nobody waited for: not a miss of the hit rate.
      if (prefetch) stats.prefetches++;
      else {
        stats.misses++;
        stats.tenant(namespace).misses++;
        if (config.statistics) recordMiss(key, namespace);
      }
      stats.upstreamCalls++;
      const upstreamDone = (ok: boolean) =>
        config.statistics && recordUpstream(key, namespace, Date.now() - startedAt, ok);
      joined.flight.done.then(
        () => {
          upstreamDone(true);
          if (request.controls.store) onStored();
        },
        () => {
          upstreamDone(false);
          stats.upstreamErrors++;
        },
      );
    } else stats.coalesced++;
    if (!request.controls.lookup && request.origin !== "prefetch") stats.bypasses++;
    return { ...joined, upstream };
  }

  /**
   * Follows the one upstream call for this key through its Durable Object; when the object cannot be
   * reached (missing binding, error, overload, no answer in time), calls the upstream directly.
   */
  async function join(request: FlightRequest, upstream: Upstream): Promise<JoinedFlight> {
    const coalescers = env.COALESCER;
    if (coalescers) {
      try {
        const stub = coalescers.get(coalescers.idFromName(coalescerName(request.key)));
        return await joinCoalescer(
          stub,
          { ...request, config, upstream: upstreamVariables(env) },
          {
            joinTimeoutMs: COALESCER_JOIN_TIMEOUT_MS,
            idleTimeoutMs: upstreamTimeoutMs(env) + COALESCER_IDLE_MARGIN_MS,
            onEntry: (entry) => (request.controls.store ? storage.storeLocal(entry) : Promise.resolve()),
            waitUntil: (promise) => ctx.waitUntil(promise),
          },
        );
      } catch (error) {
        stats.coalescerErrors++;
        console.warn(
          `r1cache: coalescer unavailable, calling the upstream directly: ${describeError(error)}`,
        );
      }
    }
    const flight = new Flight<CacheEntry>();
    ctx.waitUntil(fly(flight, upstream, request, { config, store: storage.store }));
    return { leader: true, flight };
  }

  return { miss };
}
