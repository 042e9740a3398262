/** @module Cache configuration: defaults, overrides from the `R1CACHE_CONFIG` variable, validation. */
import { z } from "zod";
import type { Env } from "./env";

const KIB = 1024;
const MIB = 1024 * KIB;
const DAY = 86_400;

const tierSchema = z.object({
  /** Entries older than this (seconds since stored in this tier) are not served from it. */
  ttlSeconds: z.number().int().min(1),
  /** Largest stored (compressed) body this tier takes. */
  maxEntryBytes: z.number().int().min(0),
});

/** A tier behind a binding (KV, D1, R2): its reads can be slow, so each has a deadline. */
const remoteTierSchema = tierSchema.extend({
  /**
   * A read of this tier that takes longer is abandoned and counted as a fault (`tiers.lN.timeouts` in
   * /admin/stats); the lookup goes on to the next tier or the upstream. Defaults: L2 400, L3 800,
   * L4 2000 (R2 reads whole bodies of up to `maxEntryBytes`).
   */
  readTimeoutMs: z.number().int().min(1).max(60_000),
});

export const configSchema = z.object({
  /** Eviction policy of the L1 isolate-memory tier. @default "lru" */
  evictionPolicy: z.enum(["lru", "lfu", "adaptive", "hybrid"]),
  /** Body compression: a codec, or `auto` (gzip above `compressionThresholdBytes` when it pays). */
  compression: z.enum(["none", "gzip", "deflate", "auto"]),
  /** @default 1024 */
  compressionThresholdBytes: z.number().int().min(0),
  /**
   * `write-through` awaits every tier before answering; `write-behind` awaits L1 only and writes the
   * slower tiers in `waitUntil`. @default "write-behind"
   */
  writePolicy: z.enum(["write-through", "write-behind"]),
  /** Tiers a fresh answer is written to (L4 also takes any body too large for L3). */
  writeTiers: z.array(z.enum(["l1", "l2", "l3", "l4"])).min(1),
  /** Default entry lifetime in seconds when the request sets no `x-r1cache-ttl`. @default 604800 */
  defaultTtlSeconds: z.number().int().min(1),
  /** Largest request body accepted, in bytes (413 above). @default 1048576 */
  maxRequestBytes: z.number().int().min(1024),
  /**
   * Capacities beyond L1's `maxBytes`, enforced by the demotion job (0 = unlimited): `l2.maxEntries` KV
   * copies (the coldest go, D1 keeps them), `l3.maxBytes` of bodies in D1 rows (the coldest move to
   * R2), `l4.maxBytes` of bodies in R2 (the coldest entries are removed: nothing lies below R2).
   */
  tiers: z.object({
    l1: tierSchema.extend({ maxBytes: z.number().int().min(0) }),
    l2: remoteTierSchema.extend({ maxEntries: z.number().int().min(0) }),
    l3: remoteTierSchema.extend({ maxBytes: z.number().int().min(0) }),
    l4: remoteTierSchema.extend({
      minEntryBytes: z.number().int().min(0),
      maxBytes: z.number().int().min(0),
    }),
  }),
  /** Look up paraphrases (verified semantic hits) when an embedder is available. @default true */
  semantic: z.boolean(),
  /**
   * How paraphrases are verified. `safe`: rules decide (every content term aligned, nothing substituted
   * or added, same kind of question, no conflict); a calibrated score only judges long statements the
   * rules leave open. `strict`: rules only. `lenient`: hard conflicts, then the score alone; serves
   * near-misses (measured rates in BENCHMARKS.md). Without a calibration for the active embedder every
   * preset runs on the rules alone. @default "safe"
   */
  semanticPreset: z.enum(["safe", "strict", "lenient"]),
  /**
   * Cosine similarity a candidate needs before the calibrated score judges it. Rule-accepted candidates
   * need none (their terms align, whatever the encoder says); a request's `x-r1cache-threshold` applies
   * to every candidate. @default 0.8
   */
  semanticThreshold: z.number().min(0).max(1),
  /**
   * Calibrated score (probability that two prompts ask the same thing) a candidate the rules leave open
   * needs. @default 0.5
   */
  semanticMinScore: z.number().min(0).max(1),
  /**
   * Second stage when deployed: Workers AI's cross-encoder (`@cf/baai/bge-reranker-base`) re-scores the
   * candidates the verifier accepted and refuses those under the calibrated cut. Needs the `AI` binding
   * and a calibration with a reranker cut (`npm run calibrate -- --reranker`). @default false
   */
  semanticReranker: z.boolean(),
  /** Nearest candidates the verifier examines per lookup. @default 3 */
  semanticCandidates: z.number().int().min(1).max(20),
  /**
   * Candidates found by shared words (BM25 over the stored questions), verified besides the nearest
   * ones: paraphrases the encoder places far apart (e.g. Portuguese with an English-only encoder).
   * 0 turns the lexical source off. @default 3
   */
  semanticLexicalCandidates: z.number().int().min(0).max(20),
  /**
   * Milliseconds a vector or lexical index query (a `VectorShard` Durable Object, or Vectorize) may
   * take; past it the semantic lookup gives up (counted in `semantic_errors`) and the request goes on
   * as a miss: an overloaded shard must not stall requests the upstream can answer. @default 1000
   */
  semanticIndexTimeoutMs: z.number().int().min(1).max(60_000),
  /** Prompt templates with `{slot}`s: prompts of one template hit only with equal slot values. */
  templates: z.array(z.string().min(1)).max(500),
  /**
   * Entries not read for this long move down a tier (`POST /admin/maintenance/demote` and the cron):
   * out of L1 (into L2 if no lower tier holds them), out of KV (D1 keeps them), D1 bodies into R2.
   * 0 turns a step off. @default {l1: 3600, l2: 86400, l3: 604800}
   */
  demoteAfterSeconds: z.object({
    l1: z.number().int().min(0),
    l2: z.number().int().min(0),
    l3: z.number().int().min(0),
  }),
  /** Cleanup removes entries older than this many days, hit or not. 0 = off. @default 0 */
  maxAgeDays: z.number().int().min(0),
  /**
   * Cleanup removes entries hit fewer times than this once they are a day old (hits are counted from
   * every tier, in batches). 0 = off. @default 0
   */
  minAccessCount: z.number().int().min(0),
  /**
   * When `/admin/stats`, `/admin/metrics` and the dashboard raise an alert, judged on the last two hours
   * of the deployment's traffic once it has `minLookups`: hit rate below `minHitRate`, upstream errors
   * above `maxUpstreamErrorRate` of calls, p95 response time above `maxP95Ms`, a tier with at least
   * `tierErrors` faults in this isolate. 0 turns a check off.
   */
  alerts: z.object({
    minHitRate: z.number().min(0).max(1),
    maxUpstreamErrorRate: z.number().min(0).max(1),
    maxP95Ms: z.number().int().min(0),
    tierErrors: z.number().int().min(0),
    minLookups: z.number().int().min(1),
  }),
  /**
   * Hours between scheduled backups to R2 (`backups/`, made by the 15-minute cron once the newest is
   * this old). 0 = no scheduled backups. @default 1
   */
  backupEveryHours: z
    .number()
    .int()
    .min(0)
    .max(24 * 31),
  /** Backups kept: the cron deletes older ones beyond this many. @default 30 */
  backupRetention: z.number().int().min(1).max(10_000),
  /** Let the auto-tuner change eviction policy and sizes. @default false */
  autoTune: z.boolean(),
  /**
   * Global statistics (src/stats/collector.ts: counts per key and per hour sent to the `StatsShard`
   * objects), the tuner's access sample and prefetch learning. Off, hits and misses are still counted in
   * this isolate's counters, but nothing is batched or sent: `/admin/stats` falls back to `"scope":
   * "isolate"` figures for new traffic. For measuring what statistics cost (`npm run bench`). @default true
   */
  statistics: z.boolean(),
  /**
   * Upstream calls per hour (sliding, for the whole deployment) that prefetch may spend fetching the
   * answer that usually follows the one just asked (src/prefetch/). 0 turns prefetch, and its learning,
   * off. @default 0
   */
  prefetchPerHour: z.number().int().min(0).max(100_000),
  /** Times B must have followed A (in A's namespace) before A's access prefetches B. @default 3 */
  prefetchMinCount: z.number().int().min(1).max(1_000_000),
  /** Share of what followed A that B must be before A's access prefetches B. @default 0.5 */
  prefetchMinProbability: z.number().min(0).max(1),
});

export type CacheConfig = z.infer<typeof configSchema>;

/** Defaults; D1 rows are capped at 2 MB (https://developers.cloudflare.com/d1/platform/limits/). */
export const DEFAULT_CONFIG: CacheConfig = {
  evictionPolicy: "lru",
  compression: "auto",
  compressionThresholdBytes: KIB,
  writePolicy: "write-behind",
  writeTiers: ["l1", "l2", "l3"],
  defaultTtlSeconds: 7 * DAY,
  maxRequestBytes: MIB,
  tiers: {
    l1: { maxBytes: 32 * MIB, ttlSeconds: DAY, maxEntryBytes: MIB },
    // KV values may be 25 MiB, but large bodies belong in R2 where reads are cheaper per byte.
    // Read deadlines: a KV read is a few ms when hot and rarely over ~100-300 ms cold; a D1 query
    // crosses to the database's region; both are far below the seconds an R1 call costs.
    l2: { ttlSeconds: 7 * DAY, maxEntryBytes: MIB, readTimeoutMs: 400, maxEntries: 0 },
    // D1 databases hold 10 GB (https://developers.cloudflare.com/d1/platform/limits/): keep bodies well under.
    l3: { ttlSeconds: 30 * DAY, maxEntryBytes: 512 * KIB, readTimeoutMs: 800, maxBytes: 8 * 1024 * MIB },
    l4: {
      ttlSeconds: 365 * DAY,
      maxEntryBytes: 100 * MIB,
      minEntryBytes: 512 * KIB,
      readTimeoutMs: 2000,
      maxBytes: 0,
    },
  },
  semantic: true,
  semanticPreset: "safe",
  semanticReranker: false,
  semanticThreshold: 0.8,
  semanticMinScore: 0.5,
  semanticCandidates: 3,
  semanticLexicalCandidates: 3,
  semanticIndexTimeoutMs: 1000,
  templates: [],
  demoteAfterSeconds: { l1: 3600, l2: 86_400, l3: 7 * DAY },
  maxAgeDays: 0,
  minAccessCount: 0,
  alerts: { minHitRate: 0.1, maxUpstreamErrorRate: 0.05, maxP95Ms: 10_000, tierErrors: 5, minLookups: 50 },
  backupEveryHours: 1,
  backupRetention: 30,
  autoTune: false,
  statistics: true,
  prefetchPerHour: 0,
  prefetchMinCount: 3,
  prefetchMinProbability: 0.5,
};

/** A partial config, one level of nesting deep for `tiers`, `demoteAfterSeconds` and `alerts`. */
export type ConfigPatch = Partial<Omit<CacheConfig, "tiers" | "demoteAfterSeconds" | "alerts">> & {
  tiers?: { [T in keyof CacheConfig["tiers"]]?: Partial<CacheConfig["tiers"][T]> };
  demoteAfterSeconds?: Partial<CacheConfig["demoteAfterSeconds"]>;
  alerts?: Partial<CacheConfig["alerts"]>;
};

/** Merges a patch over a config and validates the result; throws a ZodError naming the bad field. */
export function mergeConfig(base: CacheConfig, patch: ConfigPatch): CacheConfig {
  const tiers = { ...base.tiers };
  for (const name of ["l1", "l2", "l3", "l4"] as const) {
    const tierPatch = patch.tiers?.[name];
    if (tierPatch) Object.assign(tiers, { [name]: { ...base.tiers[name], ...tierPatch } });
  }
  const demoteAfterSeconds = { ...base.demoteAfterSeconds, ...patch.demoteAfterSeconds };
  const alerts = { ...base.alerts, ...patch.alerts };
  return configSchema.parse({ ...base, ...patch, tiers, demoteAfterSeconds, alerts });
}

let parsed: { source: string | undefined; config: CacheConfig } | undefined;

/** The config for this isolate: defaults with `R1CACHE_CONFIG` (JSON) merged over them. */
export function loadConfig(env: Env): CacheConfig {
  if (parsed && parsed.source === env.R1CACHE_CONFIG) return parsed.config;
  const patch = env.R1CACHE_CONFIG ? (JSON.parse(env.R1CACHE_CONFIG) as ConfigPatch) : {};
  const config = mergeConfig(DEFAULT_CONFIG, patch);
  parsed = { source: env.R1CACHE_CONFIG, config };
  return config;
}
