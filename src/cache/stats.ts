/** @module Counters of this isolate: hits per tier, misses, upstream calls, tier faults, latency. */
import { LATENCY_BOUNDS_MS, latencyBucket } from "../stats/batch";
import { recordLatency } from "../stats/collector";
import type { TierName } from "../tiers/types";

type PerTier = Record<TierName, number>;
const perTier = (): PerTier => ({ l1: 0, l2: 0, l3: 0, l4: 0 });

/** One tenant namespace's counters, for `GET /admin/stats?namespace=`. */
export interface TenantStats {
  hits: PerTier;
  semanticHits: number;
  misses: number;
  tokensSaved: number;
}

/** Live counters; one instance per isolate (see {@link isolateStats}). */
export class CacheStats {
  readonly startedAt = Date.now();
  hits = perTier();
  semanticHits = 0;
  /** Embedder, vector index or alias failures; the request went on as exact-only. */
  semanticErrors = 0;
  /** Lexical candidate searches that failed; the lookup went on with the vector candidates alone. */
  lexicalErrors = 0;
  /** Reranker calls that failed (the verifier's verdicts stood). */
  rerankErrors = 0;
  misses = 0;
  bypasses = 0;
  upstreamCalls = 0;
  upstreamErrors = 0;
  coalesced = 0;
  /** Upstream calls made by prefetch (src/prefetch/), in `upstreamCalls` too. */
  prefetches = 0;
  /** Misses that could not reach their coalescer and called the upstream directly. */
  coalescerErrors = 0;
  /** Tier faults: failed reads and writes, and reads past their deadline (also in `tierTimeouts`). */
  tierErrors = perTier();
  /** Tier reads abandoned at their deadline (`tiers.lN.readTimeoutMs`) and treated as misses. */
  tierTimeouts = perTier();
  corruptEntries = 0;
  /** Completion tokens served from the cache instead of paid for again. */
  tokensSaved = 0;
  requests = 0;
  responseTimeTotalMs = 0;
  /** Responses per {@link LATENCY_BOUNDS_MS} bucket (not cumulative), plus one for above the last. */
  readonly latencyBuckets: number[] = new Array(LATENCY_BOUNDS_MS.length + 1).fill(0);
  storedPlainBytes = 0;
  storedBytes = 0;

  /**
   * Counters per tenant namespace. Bounded by the namespaces of the configured client keys: a request
   * reaches the cache only after its key named one.
   */
  readonly tenants = new Map<string, TenantStats>();

  /** The counters of one namespace, created on first use: call it only for authenticated namespaces. */
  tenant(namespace: string): TenantStats {
    let counters = this.tenants.get(namespace);
    if (!counters) {
      counters = this.tenantView(namespace);
      this.tenants.set(namespace, counters);
    }
    return counters;
  }

  /** The counters of one namespace to read, zeros for one never seen (and nothing is stored for it). */
  tenantView(namespace: string): TenantStats {
    return this.tenants.get(namespace) ?? { hits: perTier(), semanticHits: 0, misses: 0, tokensSaved: 0 };
  }

  /** Counts a hit for its namespace (the isolate-wide counters are kept by the caller). */
  recordTenantHit(namespace: string, tier: TierName, semantic: boolean, tokens: number): void {
    const counters = this.tenant(namespace);
    counters.hits[tier]++;
    if (semantic) counters.semanticHits++;
    counters.tokensSaved += tokens;
  }

  get hitCount(): number {
    return Object.values(this.hits).reduce((a, b) => a + b, 0);
  }

  /** Counts a response here and, when `global`, in the global statistics batch (src/stats/collector.ts). */
  recordResponse(ms: number, global: boolean): void {
    if (global) recordLatency(ms);
    this.requests++;
    this.responseTimeTotalMs += ms;
    const index = latencyBucket(ms);
    this.latencyBuckets[index] = (this.latencyBuckets[index] ?? 0) + 1;
  }

  recordStored(plain: number, stored: number): void {
    this.storedPlainBytes += plain;
    this.storedBytes += stored;
  }
}

/** The isolate's counters: they live as long as the isolate, like the L1 tier. */
export const isolateStats = new CacheStats();
