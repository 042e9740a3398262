/** @module Shapes of the admin API: stats, config, clearing, maintenance, backup and warm-up. */
import type { SemanticMode, TierName } from "./types.js";

export interface TierStats {
  entries: number;
  bytes: number;
  hits: number;
  /** Reads of this tier that failed (isolate-wide stats only). */
  errors?: number;
  /** Reads of this tier past their deadline (isolate-wide stats only). */
  timeouts?: number;
}

/**
 * `GET /admin/stats`. Counters are this isolate's (`scope: "isolate"`); with `namespace`, one tenant's
 * view (`scope: "namespace"`, fewer fields). Fields a worker version adds are passed through.
 */
export interface CacheStats {
  scope: "isolate" | "namespace";
  namespace?: string;
  hit_rate: number;
  hits: number;
  misses: number;
  semantic_hits: number;
  tokens_saved: number;
  memory_usage_bytes: number;
  cache_size_bytes: number;
  unique_entries: number;
  aliases: number;
  tiers: Partial<Record<TierName, TierStats>>;
  upstream_calls?: number;
  avg_response_time_ms?: number;
  compression_ratio?: number;
  qps?: number;
  unique_chunks?: number;
  semantic_threshold?: number;
  semantic?: { embedder: string | null; calibration: string | null; mode: SemanticMode };
  /** Prefetch: budget, use in the last hour (deployment view), entries prefetched, later hit, precision. */
  prefetch?: PrefetchStats | null;
  [field: string]: unknown;
}

export interface PrefetchStats {
  enabled: boolean;
  budget_per_hour: number;
  calls_last_hour?: number;
  prefetched: number;
  hits: number;
  /** hits / prefetched; null before the first prefetch. */
  precision: number | null;
  transitions?: number;
  requests?: number;
}

/** L1 eviction: `adaptive` is ARC-like, `hybrid` W-TinyLFU-like (see the worker's README). */
export type EvictionPolicy = "lru" | "lfu" | "adaptive" | "hybrid";
export type CompressionMode = "none" | "gzip" | "deflate" | "auto";
/** `write-through` awaits every tier before answering; `write-behind` awaits L1 only. */
export type WritePolicy = "write-through" | "write-behind";
export type SemanticPreset = "safe" | "strict" | "lenient";

interface TierConfig {
  ttlSeconds: number;
  maxEntryBytes: number;
}
interface RemoteTierConfig extends TierConfig {
  readTimeoutMs: number;
}
interface MemoryTierConfig extends TierConfig {
  maxBytes: number;
}
interface KvTierConfig extends RemoteTierConfig {
  /** KV copies kept before the coldest go (0 = unlimited). */
  maxEntries: number;
}
interface D1TierConfig extends RemoteTierConfig {
  /** Bytes of bodies in D1 rows before the coldest move to R2 (0 = unlimited). */
  maxBytes: number;
}
interface ArchiveTierConfig extends RemoteTierConfig {
  minEntryBytes: number;
  /** Bytes of bodies in R2 before the coldest entries are removed (0 = unlimited). */
  maxBytes: number;
}

/** `GET /admin/config`: the running configuration (the worker's `src/config.ts` documents each field). */
export interface CacheConfig {
  evictionPolicy: EvictionPolicy;
  compression: CompressionMode;
  compressionThresholdBytes: number;
  writePolicy: WritePolicy;
  writeTiers: TierName[];
  defaultTtlSeconds: number;
  maxRequestBytes: number;
  tiers: {
    l1: MemoryTierConfig;
    l2: KvTierConfig;
    l3: D1TierConfig;
    l4: ArchiveTierConfig;
  };
  semantic: boolean;
  semanticPreset: SemanticPreset;
  semanticThreshold: number;
  semanticMinScore: number;
  semanticReranker: boolean;
  semanticCandidates: number;
  semanticLexicalCandidates: number;
  semanticIndexTimeoutMs: number;
  templates: string[];
  demoteAfterSeconds: { l1: number; l2: number; l3: number };
  maxAgeDays: number;
  minAccessCount: number;
  /** When the worker raises alerts (0 turns a check off). */
  alerts: {
    minHitRate: number;
    maxUpstreamErrorRate: number;
    maxP95Ms: number;
    tierErrors: number;
    minLookups: number;
  };
  /** Hours between the cron's backups (0 = none). */
  backupEveryHours: number;
  /** Backups the cron keeps. */
  backupRetention: number;
  autoTune: boolean;
  /** Global statistics, the tuner's sample and prefetch learning (false: this isolate's counters only). */
  statistics: boolean;
  /** Upstream calls per hour prefetch may spend for the deployment (0 = prefetch off). */
  prefetchPerHour: number;
  /** Times B must have followed A before A prefetches B. */
  prefetchMinCount: number;
  /** Share of A's successors B must be before A prefetches B. */
  prefetchMinProbability: number;
}

/** `PATCH /admin/config` body: any fields, one level deep for `tiers` and `demoteAfterSeconds`. */
export type ConfigPatch = Partial<Omit<CacheConfig, "tiers" | "demoteAfterSeconds" | "alerts">> & {
  tiers?: { [T in keyof CacheConfig["tiers"]]?: Partial<CacheConfig["tiers"][T]> };
  demoteAfterSeconds?: Partial<CacheConfig["demoteAfterSeconds"]>;
  alerts?: Partial<CacheConfig["alerts"]>;
};

/** `DELETE /admin/cache`: entries removed per tier (null when a tier cannot count them). */
export interface ClearResult {
  cleared: Partial<Record<TierName, number | null>>;
}

/** Jobs of `POST /admin/maintenance/:job`. */
export type MaintenanceJob = "demote" | "cleanup" | "optimize" | "defragment" | "rebuild";

/** What one bounded pass did; `more: true` means another call has work left. */
export interface MaintenanceReport {
  job: MaintenanceJob;
  more: boolean;
  ms: number;
  [field: string]: unknown;
}

/** How far a resumable job's run has come: its start and what it did over all its calls so far. */
export interface MaintenanceRun<Totals> {
  startedAt: number;
  /** This call went on from a stored run rather than starting one. */
  resumed: boolean;
  totals: Totals;
}

/** What optimize did: bodies re-encoded smaller and moved between the D1 row and R2. */
export interface OptimizeCounts {
  scanned: number;
  recompressed: number;
  moved: number;
  bytesBefore: number;
  bytesAfter: number;
  corrupt: number;
  failed: number;
}

/** `POST /admin/maintenance/optimize`: one bounded pass; `cursor` is the last key done (null when finished). */
export interface OptimizeReport extends MaintenanceReport, OptimizeCounts {
  job: "optimize";
  cursor: string | null;
  run: MaintenanceRun<OptimizeCounts>;
}

/** What defragment removed: things no entry owns any more. */
export interface DefragmentCounts {
  r2: number;
  kv: number;
  aliases: number;
  scopes: number;
  vectors: number;
  /** Chunk lists of context loads that never committed (and the chunks only they held). */
  loads: number;
  scanned: number;
}

export type DefragmentStep = "r2" | "kv" | "aliases" | "scopes" | "vectors" | "loads" | "d1";

/** `POST /admin/maintenance/defragment`: one bounded pass. */
export interface DefragmentReport extends MaintenanceReport, DefragmentCounts {
  job: "defragment";
  /** `PRAGMA optimize` ran on D1 in this call (the run's last step). */
  d1Optimized: boolean;
  skipped: Array<{ step: DefragmentStep; reason: string }>;
  cursor: { step: DefragmentStep; after: string } | null;
  run: MaintenanceRun<DefragmentCounts>;
}

/** What rebuild wrote: vectors re-embedded and KV copies, and what it could not rebuild. */
export interface RebuildCounts {
  scanned: number;
  vectors: number;
  /** Entries stored before the worker kept their context: no vector can be rebuilt for them. */
  noScope: number;
  notIndexable: number;
  kv: number;
  kvPresent: number;
  corrupt: number;
  failed: number;
}

/** `POST /admin/maintenance/rebuild`: one bounded pass. */
export interface RebuildReport extends MaintenanceReport, RebuildCounts {
  job: "rebuild";
  skipped: Array<{ step: "vectors" | "kv"; reason: string }>;
  cursor: { step: "vectors" | "kv"; after: string } | null;
  run: MaintenanceRun<RebuildCounts>;
}

/** Options of a maintenance call: entries per pass, and (resumable jobs) whether to start over. */
export interface MaintenanceOptions {
  /** Entries per pass, 1-5000. @default 200 */
  batch?: number;
  /** optimize, defragment, rebuild: drop the stored run and start from the beginning. */
  restart?: boolean;
}

/** `POST /admin/backup`: the R2 key of the snapshot, for `restoreCache`. */
export interface BackupResult {
  key: string;
  [field: string]: unknown;
}

/** `POST /admin/restore` and `POST /admin/warmup` answers, as the worker reports them. */
export type AdminReport = Record<string, unknown>;
