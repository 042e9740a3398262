/** @module The cache as the routes see it: look up through the tiers, or follow one upstream call and store it. */
import type { CacheConfig } from "../config";
import type { Env } from "../env";
import { CacheError, describeError } from "../errors";
import { type ChainHit, rememberDecoded, type TierChain } from "../tiers/chain";
import type { TierName } from "../tiers/types";
import type { ChatParams, Upstream, UpstreamEvent } from "../upstream/types";
import { createAliasStore } from "./aliases";
import { encodeEntry } from "./codec";
import type { RequestControls } from "./controls";
import type { CacheEntry } from "./entry";
import { type Flight, FlightRegistry } from "./flight";
import { lastUserPrompt } from "./key";
import { createSemanticLayer, type SemanticLayer, type SemanticProbe } from "./semantic";
import { type CacheStats, isolateStats } from "./stats";
import { createCacheTiers } from "./tiers";

export interface CacheRequest {
  namespace: string;
  key: string;
  params: ChatParams;
  controls: RequestControls;
}

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

// In-flight upstream calls of this isolate, by exact key.
const flights = new FlightRegistry<CacheEntry>();

export function createCacheService(options: CacheServiceOptions) {
  const { env, ctx, config } = options;
  const stats = options.stats ?? isolateStats;
  const chain: TierChain = createCacheTiers(env, config, ctx, stats);

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
    stats.tokensSaved += hit.entry.usage?.completion_tokens ?? 0;
    const tokens = hit.entry.usage?.completion_tokens ?? 0;
    stats.recordTenantHit(hit.entry.namespace, hit.tier, match.match === "semantic", tokens);
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

  function miss(request: CacheRequest, probe: SemanticProbe | undefined): CacheOutcome {
    const { controls } = request;
    const upstream = options.upstream();
    const { flight, leader } = flights.join(request.key, (f) =>
      ctx.waitUntil(fly(f, upstream, request, probe)),
    );
    if (leader) stats.misses++;
    if (leader) stats.tenant(request.namespace).misses++;
    else stats.coalesced++;
    if (!controls.lookup) stats.bypasses++;
    return {
      status: controls.lookup ? "MISS" : "BYPASS",
      events: flight.subscribe(),
      entry: flight.done,
      coalesced: !leader,
      reasoningFormat: upstream.reasoningFormat,
    };
  }

  /** Runs one upstream call for a flight, then stores the answer unless told not to. */
  async function fly(
    flight: Flight<CacheEntry>,
    upstream: Upstream,
    request: CacheRequest,
    probe: SemanticProbe | undefined,
  ): Promise<void> {
    stats.upstreamCalls++;
    try {
      const entry = await streamInto(flight, upstream, request);
      if (request.controls.store) {
        await store(entry);
        ctx.waitUntil(failOpen("semantic index", () => indexQuestion(request, probe)));
      }
      flight.finish(entry);
    } catch (error) {
      stats.upstreamErrors++;
      flight.fail(error);
    }
  }

  async function streamInto(
    flight: Flight<CacheEntry>,
    upstream: Upstream,
    request: CacheRequest,
  ): Promise<CacheEntry> {
    let reasoning = "";
    let content = "";
    for await (const event of upstream.stream(request.params)) {
      flight.push(event);
      if (event.type === "delta") {
        reasoning += event.reasoning ?? "";
        content += event.content ?? "";
        continue;
      }
      const createdAt = Date.now();
      const ttl = request.controls.ttlSeconds ?? config.defaultTtlSeconds;
      return {
        v: 1,
        key: request.key,
        namespace: request.namespace,
        model: request.params.model,
        prompt: lastUserPrompt(request.params.messages),
        reasoning,
        content,
        reasoningFormat: upstream.reasoningFormat,
        finishReason: event.finishReason,
        usage: event.usage,
        upstream: upstream.name,
        createdAt,
        expiresAt: createdAt + ttl * 1000,
      };
    }
    // Upstreams throw on a cut stream; this guards one that just stops.
    throw new CacheError("upstream_truncated", "upstream stream ended before the answer was complete");
  }

  /** Makes a stored answer findable by paraphrases (embedding the question if the lookup did not). */
  async function indexQuestion(request: CacheRequest, probe: SemanticProbe | undefined): Promise<void> {
    const layer = semantic();
    if (!layer) return;
    const p = probe ?? (await layer.probe(request.namespace, request.params));
    if (p) await layer.remember(request.key, p);
  }

  async function store(entry: CacheEntry): Promise<void> {
    const stored = await encodeEntry(entry, {
      mode: config.compression,
      thresholdBytes: config.compressionThresholdBytes,
    });
    rememberDecoded(stored, entry);
    stats.recordStored(stored.meta.size, stored.meta.storedSize);
    await chain.set(entry.key, stored, {
      policy: config.writePolicy,
      info: { model: entry.model, prompt: entry.prompt },
    });
  }

  return { resolve, chain, stats, store, aliases, semantic };
}

export type CacheService = ReturnType<typeof createCacheService>;
