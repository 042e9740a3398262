/**
 * @module Resolution, the cache as the routes see it: exact key, then a stored alias, then a verified
 * paraphrase, else the miss path (src/cache/miss.ts). Storage is src/cache/storage.ts.
 */
import type { CacheConfig } from "../config";
import type { Env } from "../env";
import { describeError } from "../errors";
import { notePrefetchAccess } from "../prefetch/recorder";
import { recordHit } from "../stats/collector";
import type { ChainHit } from "../tiers/chain";
import type { TierName } from "../tiers/types";
import type { Upstream, UpstreamEvent } from "../upstream/types";
import { createAliasStore } from "./aliases";
import type { CacheEntry } from "./entry";
import type { FlightRequest } from "./flight";
import { createMissPath } from "./miss";
import { createSemanticLayer, type SemanticLayer, type SemanticProbe } from "./semantic";
import { type CacheStats, isolateStats } from "./stats";
import { createCacheStorage } from "./storage";

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

export function createCacheService(options: CacheServiceOptions) {
  const { env, ctx, config } = options;
  const stats = options.stats ?? isolateStats;
  const storage = createCacheStorage(env, config, ctx, stats);
  const { chain } = storage;
  const missPath = createMissPath({ env, ctx, config, stats, storage });

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
    if (config.statistics) {
      recordHit(hit.entry.key, hit.entry.namespace, hit.tier, tokens, hit.stored.meta.storedSize);
    }
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

  /** Client lookups keyed by their body are what prefetch learns from (while it is on). */
  const learns = (request: CacheRequest) =>
    config.statistics &&
    config.prefetchPerHour > 0 &&
    request.origin !== "prefetch" &&
    request.controls.lookup &&
    request.controls.store &&
    request.controls.customKey === undefined;

  function resolve(request: CacheRequest): Promise<CacheOutcome> {
    // No extra step on the hit path while prefetch is off.
    if (!learns(request)) return lookup(request);
    return lookup(request).then((outcome) => {
      const hit = outcome.status === "HIT" ? outcome.entry.key : undefined;
      notePrefetchAccess(request.namespace, request.controls.session, request.key, request.params, hit);
      return outcome;
    });
  }

  async function lookup(request: CacheRequest): Promise<CacheOutcome> {
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
    const onStored = () => ctx.waitUntil(failOpen("semantic index", () => indexQuestion(request, probe)));
    const { flight, leader, upstream } = await missPath.miss(request, options.upstream(), onStored);
    return {
      status: request.controls.lookup ? "MISS" : "BYPASS",
      events: flight.subscribe(),
      entry: flight.done,
      coalesced: !leader,
      reasoningFormat: upstream.reasoningFormat,
    };
  }

  /** Makes a stored answer findable by paraphrases (embedding the question if the lookup did not). */
  async function indexQuestion(request: CacheRequest, probe: SemanticProbe | undefined): Promise<void> {
    const layer = semantic();
    if (!layer) return;
    const p = probe ?? (await layer.probe(request.namespace, request.params));
    if (p) await layer.remember(request.key, p);
  }

  return { resolve, chain, stats, store: storage.store, aliases, semantic };
}

export type CacheService = ReturnType<typeof createCacheService>;
