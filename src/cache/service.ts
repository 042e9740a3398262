/** @module The cache as the routes see it: look up through the tiers, or follow one upstream call and store it. */
import type { CacheConfig } from "../config";
import type { Env } from "../env";
import { describeError } from "../errors";
import { recordHit, recordMiss, recordUpstream } from "../stats/collector";
import type { ChainHit, TierChain } from "../tiers/chain";
import type { TierName } from "../tiers/types";
import { upstreamTimeoutMs, upstreamVariables } from "../upstream";
import type { Upstream, UpstreamEvent } from "../upstream/types";
import { createAliasStore } from "./aliases";
import { coalescerName, type JoinedFlight, joinCoalescer } from "./coalescing";
import type { CacheEntry } from "./entry";
import { Flight, type FlightRequest, fly } from "./flight";
import { createSemanticLayer, type SemanticLayer, type SemanticProbe } from "./semantic";
import { type CacheStats, isolateStats } from "./stats";
import { createCacheTiers, storeEntry } from "./tiers";

export type CacheRequest = FlightRequest;

/** How a hit was found: its own key, or a verified paraphrase (directly or through a stored alias). */
export interface HitMatch {
  match: "exact" | "semantic";
  /** Cosine similarity of the questions (1 for exact hits). */
  similarity: number;
  /** Why a semantic hit was accepted. */
  reason?: string;
}

export type CacheOutcome =
  | ({ status: "HIT"; entry: CacheEntry; tier: TierName } & HitMatch)
  | {
      status: "MISS" | "BYPASS";
      /** The answer as it streams from the upstream (shared with coalesced requests). */
      events: AsyncIterable<UpstreamEvent>;
      /** The whole answer, once the stream ends; rejects with the upstream's error. */
      entry: Promise<CacheEntry>;
      /** Whether this request joined another request's upstream call. */
      coalesced: boolean;
      /** How the upstream shapes reasoning, needed before the first event is rendered. */
      reasoningFormat: Upstream["reasoningFormat"];
    };

export interface CacheServiceOptions {
  env: Env;
  ctx: Pick<ExecutionContext, "waitUntil">;
  config: CacheConfig;
  /** Created on first miss only: a hit never needs the upstream's configuration. */
  upstream: () => Upstream;
  stats?: CacheStats;
}

/** How long a miss waits for its coalescer to answer before it calls the upstream itself. */
const COALESCER_JOIN_TIMEOUT_MS = 5_000;
/** Silence from the coalescer beyond the upstream's own timeout that fails the request. */
const COALESCER_IDLE_MARGIN_MS = 15_000;

export function createCacheService(options: CacheServiceOptions) {
  const { env, ctx, config } = options;
  const stats = options.stats ?? isolateStats;
  const chain: TierChain = createCacheTiers(env, config, ctx, stats);
  const isolateTier: TierChain = createCacheTiers(env, config, ctx, stats, "isolate");

  const aliases = createAliasStore(env.DB, { readTimeoutMs: config.tiers.l3.readTimeoutMs });
  let semanticLayer: SemanticLayer | undefined | null = null;
  /** Built on first use: exact hits never pay for the embedder and the index. */
  const semantic = (): SemanticLayer | undefined => {
    if (semanticLayer === null) semanticLayer = createSemanticLayer(env, config, stats);
    return semanticLayer;
  };
  const hitOf = (hit: ChainHit, match: HitMatch): CacheOutcome => {
    stats.hits[hit.tier]++;
    if (match.match === "semantic") stats.semanticHits++;
    const tokens = hit.entry.usage?.completion_tokens ?? 0;
    stats.tokensSaved += tokens;
    stats.recordTenantHit(hit.entry.namespace, hit.tier, match.match === "semantic", tokens);
    recordHit(hit.entry.key, hit.entry.namespace, hit.tier, tokens, hit.stored.meta.storedSize);
    return { status: "HIT", entry: hit.entry, tier: hit.tier, ...match };
  };
  /** Runs an optional lookup step; its failure is logged and counted, and the lookup goes on without it. */
  const failOpen = async <T>(step: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await run();
    } catch (error) {
      stats.semanticErrors++;
      console.warn(`r1cache: ${step} failed: ${describeError(error)}`);
      return undefined;
    }
  };

  async function resolve(request: CacheRequest): Promise<CacheOutcome> {
    const { controls } = request;
    let probe: SemanticProbe | undefined;
    if (controls.lookup) {
      const get = { maxAgeSeconds: controls.maxAgeSeconds };
      const hit = await chain.get(request.key, get);
      if (hit) return hitOf(hit, { match: "exact", similarity: 1 });
      const alias = await failOpen("alias lookup", () => aliases.get(request.key));
      const canonical = alias && (await chain.get(alias.canonicalKey, get));
      if (alias && canonical) {
        return hitOf(canonical, {
          match: "semantic",
          similarity: alias.similarity,
          reason: `alias: ${alias.reason}`,
        });
      }
      if (controls.semantic) {
        const found = await failOpen("semantic lookup", () => findParaphrase(request));
        probe = found?.probe;
        if (found?.outcome) return found.outcome;
      }
    }
    return miss(request, probe);
  }

  /** The first verified neighbour that is still stored; records the request as its alias. */
  async function findParaphrase(request: CacheRequest) {
    const layer = semantic();
    const probe = layer && (await layer.probe(request.namespace, request.params));
    if (!layer || !probe) return { probe };
    for (const candidate of await layer.candidates(probe, request.controls.threshold)) {
      const { similarity, verdict } = candidate;
      if (!verdict.accept || similarity === undefined) continue;
      const hit = await chain.get(candidate.key, { maxAgeSeconds: request.controls.maxAgeSeconds });
      if (!hit) continue;
      if (request.controls.store) {
        const record = {
          key: request.key,
          canonicalKey: candidate.key,
          namespace: request.namespace,
          prompt: probe.question,
        };
        ctx.waitUntil(
          failOpen("alias store", () => aliases.put({ ...record, similarity, reason: verdict.reason })),
        );
      }
      return { probe, outcome: hitOf(hit, { match: "semantic", similarity, reason: verdict.reason }) };
    }
    return { probe };
  }

  async function miss(request: CacheRequest, probe: SemanticProbe | undefined): Promise<CacheOutcome> {
    const { controls } = request;
    const upstream = options.upstream();
    const { flight, leader } = await join(request, upstream);
    if (leader) {
      const { key, namespace } = request;
      const startedAt = Date.now();
      stats.misses++;
      stats.tenant(namespace).misses++;
      stats.upstreamCalls++;
      recordMiss(key, namespace);
      flight.done.then(
        () => {
          recordUpstream(key, namespace, Date.now() - startedAt, true);
          if (controls.store) ctx.waitUntil(failOpen("semantic index", () => indexQuestion(request, probe)));
        },
        () => {
          recordUpstream(key, namespace, Date.now() - startedAt, false);
          stats.upstreamErrors++;
        },
      );
    } else stats.coalesced++;
    if (!controls.lookup) stats.bypasses++;
    return {
      status: controls.lookup ? "MISS" : "BYPASS",
      events: flight.subscribe(),
      entry: flight.done,
      coalesced: !leader,
      reasoningFormat: upstream.reasoningFormat,
    };
  }

  /**
   * Follows the one upstream call for this key through its Durable Object; when the object cannot be
   * reached (missing binding, error, overload, no answer in time), calls the upstream directly.
   */
  async function join(request: CacheRequest, upstream: Upstream): Promise<JoinedFlight> {
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
            onEntry: (entry) => storeLocal(entry, request.controls.store),
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
    ctx.waitUntil(fly(flight, upstream, request, { config, store }));
    return { leader: true, flight };
  }

  /** Keeps an answer the coalescer stored in the shared tiers in this isolate's L1 too. */
  async function storeLocal(entry: CacheEntry, allowed: boolean): Promise<void> {
    if (!allowed || !config.writeTiers.includes("l1")) return;
    const stored = await storeEntry(isolateTier, entry, { ...config, writePolicy: "write-through" });
    stats.recordStored(stored.meta.size, stored.meta.storedSize);
  }

  /** Makes a stored answer findable by paraphrases (embedding the question if the lookup did not). */
  async function indexQuestion(request: CacheRequest, probe: SemanticProbe | undefined): Promise<void> {
    const layer = semantic();
    if (!layer) return;
    const p = probe ?? (await layer.probe(request.namespace, request.params));
    if (p) await layer.remember(request.key, p);
  }

  async function store(entry: CacheEntry): Promise<void> {
    const stored = await storeEntry(chain, entry, config);
    stats.recordStored(stored.meta.size, stored.meta.storedSize);
  }

  return { resolve, chain, stats, store, aliases, semantic };
}

export type CacheService = ReturnType<typeof createCacheService>;
