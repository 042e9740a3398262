/** @module Admin API (admin token): stats, cache clearing, entry deletion, config. */

import { Hono } from "hono";
import { z } from "zod";
import { requireAdmin } from "../auth";
import { coalescerName } from "../cache/coalescing";
import { type ConfigPatch, configSchema } from "../config";
import { resetConfig, updateConfig } from "../config-store";
import type { AppEnv } from "../context";
import { countChunks } from "../documents/store";
import { badRequest, CacheError, describeError } from "../errors";
import { DEFAULT_BATCH, MAINTENANCE_JOBS, runMaintenance } from "../maintenance";
import { prefetchStatus } from "../prefetch/status";
import { currentAlerts } from "../stats/alerts";
import { entryIndex, globalStats } from "../stats/global";
import { TIER_NAMES, type TierName, type TierUsage } from "../tiers/types";
import { fieldName, validate } from "../validation";
import { backup } from "./backup";
import { calibration } from "./calibration";
import { entryRoutes } from "./entries";
import { metricsText } from "./metrics";
import { withCache } from "./respond";
import { tuning } from "./tuning";
import { warmup } from "./warmup";

export const admin = new Hono<AppEnv>();
admin.use("*", requireAdmin, withCache);

export const statsQuery = z.object({ namespace: z.string().min(1).max(256).optional() });

/** One tenant's view: its entries per tier, its aliases, and its own hits and misses in this isolate. */
admin.get("/stats", validate("query", statsQuery), async (c, next) => {
  const { namespace } = c.req.valid("query");
  if (namespace === undefined) return next();
  const { stats, chain, aliases } = c.get("cache");
  // Any name an admin types: read without creating counters for it.
  const counters = stats.tenantView(namespace);
  const tiers: Partial<Record<TierName, TierUsage & { hits: number }>> = {};
  for (const tier of chain.tiers) {
    const usage = (await tier.usage?.(namespace).catch(() => undefined)) ?? { entries: 0, bytes: 0 };
    tiers[tier.name] = { ...usage, hits: counters.hits[tier.name] };
  }
  const hits = Object.values(counters.hits).reduce((a, b) => a + b, 0);
  const lookups = hits + counters.misses;
  return c.json({
    scope: "namespace",
    namespace,
    hit_rate: lookups === 0 ? 0 : hits / lookups,
    hits,
    misses: counters.misses,
    semantic_hits: counters.semanticHits,
    tokens_saved: counters.tokensSaved,
    memory_usage_bytes: tiers.l1?.bytes ?? 0,
    cache_size_bytes: Object.values(tiers).reduce((sum, t) => sum + Math.max(0, t.bytes), 0),
    unique_entries: tiers.l3?.entries ?? 0,
    aliases: await aliases.count(namespace).catch(() => 0),
    unique_chunks: await countChunks(c.env.DB, namespace).catch(() => 0),
    prefetch: await prefetchStatus(c.env, c.get("config"), namespace).catch(() => null),
    tiers,
  });
});

admin.get("/stats", async (c) => {
  const { stats, chain, aliases } = c.get("cache");
  const config = c.get("config");
  const tiers: Partial<Record<TierName, TierUsage & { hits: number; errors: number; timeouts: number }>> = {};
  for (const tier of chain.tiers) {
    // A tier that cannot report its usage right now shows zeros and its error count.
    const usage = (await tier.usage?.().catch(() => undefined)) ?? { entries: 0, bytes: 0 };
    const { name } = tier;
    tiers[name] = {
      ...usage,
      hits: stats.hits[name],
      errors: stats.tierErrors[name],
      timeouts: stats.tierTimeouts[name],
    };
  }
  // The deployment's counts from the statistics shards; this isolate's alone if they cannot answer.
  const global = c.env.STATS
    ? await globalStats(c.env.STATS).catch((error) => {
        console.warn(`r1cache: global statistics unavailable: ${describeError(error)}`);
        return undefined;
      })
    : undefined;
  const index = await entryIndex(c.env.DB).catch(() => undefined);
  const hits = global?.hits ?? stats.hitCount;
  const misses = global?.misses ?? stats.misses;
  const lookups = hits + misses;
  const uptimeSeconds = Math.max(1, (Date.now() - stats.startedAt) / 1000);
  const memory = tiers.l1?.bytes ?? 0;
  // Plain bytes per stored byte (2-5x for R1's text): from the index when it has entries.
  const [plain, stored] =
    index && index.storedBytes > 0
      ? [index.plainBytes, index.storedBytes]
      : [stats.storedPlainBytes, stats.storedBytes];
  return c.json({
    scope: global ? "global" : "isolate",
    hit_rate: lookups === 0 ? 0 : hits / lookups,
    hits,
    misses,
    bypasses: stats.bypasses,
    coalesced: stats.coalesced,
    coalescer_errors: stats.coalescerErrors,
    upstream_calls: global?.upstreamCalls ?? stats.upstreamCalls,
    upstream_errors: global?.upstreamErrors ?? stats.upstreamErrors,
    tokens_saved: global?.tokensSaved ?? stats.tokensSaved,
    avg_response_time_ms: stats.requests === 0 ? 0 : stats.responseTimeTotalMs / stats.requests,
    latency_ms: global?.latencyMs ?? null,
    hit_rate_hourly: global?.hourly ?? [],
    hit_rate_daily: global?.daily ?? [],
    top_keys: global?.topKeys ?? [],
    alerts: currentAlerts(config.alerts, global?.recent, stats),
    memory_usage_bytes: memory,
    compression_ratio: stored === 0 ? 1 : plain / stored,
    qps: stats.requests / uptimeSeconds,
    // Each entry once: the D1 index knows every entry, wherever its body is (row or R2).
    cache_size_bytes:
      index && index.entries > 0
        ? index.storedBytes
        : Object.values(tiers).reduce((sum, t) => sum + Math.max(0, t.bytes), 0),
    unique_entries: index?.entries ?? tiers.l3?.entries ?? 0,
    aliases: await aliases.count().catch(() => 0),
    semantic_hits: stats.semanticHits,
    semantic_errors: stats.semanticErrors,
    semantic_lexical_errors: stats.lexicalErrors,
    semantic_rerank_errors: stats.rerankErrors,
    // Distinct context chunks (each stored once whatever the number of documents holding it).
    unique_chunks: await countChunks(c.env.DB).catch(() => 0),
    semantic_threshold: config.semanticThreshold,
    semantic: (await c
      .get("cache")
      .semantic()
      ?.describe()
      .catch(() => undefined)) ?? {
      embedder: null,
      calibration: null,
      mode: "off",
    },
    corrupt_entries: stats.corruptEntries,
    prefetch: await prefetchStatus(c.env, config).catch((error) => {
      console.warn(`r1cache: prefetch figures unavailable: ${describeError(error)}`);
      return null;
    }),
    tiers,
  });
});

export const levelSchema = z.object({
  level: z.enum([...TIER_NAMES, "all"], { error: "must be one of l1, l2, l3, l4, all" }).default("all"),
  namespace: z.string().min(1).optional(),
});

admin.delete("/cache", validate("query", levelSchema), async (c) => {
  const { level, namespace } = c.req.valid("query");
  const { chain } = c.get("cache");
  const removed: Partial<Record<TierName, number | null>> = {};
  for (const tier of chain.tiers) {
    if (level !== "all" && tier.name !== level) continue;
    removed[tier.name] = (await tier.clear?.(namespace)) ?? null;
  }
  // Aliases point at entries that may be gone now; a dangling alias would only cost a lookup.
  if (level === "all" || level === "l3") await c.get("cache").aliases.clear(undefined, namespace);
  return c.json({ cleared: removed });
});

admin.delete("/entries/:key", async (c) => {
  const key = c.req.param("key");
  // Keys are SHA-256 hex (src/cache/key.ts); anything else names no entry and must not reach the tiers.
  if (!/^[0-9a-f]{64}$/.test(key))
    throw badRequest("key", "must be an entry key: 64 lowercase hex characters");
  const { chain, aliases } = c.get("cache");
  await chain.delete(key);
  // Paraphrases pointing at it go too. Its vector may stay in the index: a candidate whose entry is
  // gone is skipped by the lookup, so a stale vector costs a read, never a wrong answer.
  await aliases.clear(key);
  // A coalescer still replaying the answer it just stored must not hand it out again.
  const coalescers = c.env.COALESCER;
  await coalescers
    ?.get(coalescers.idFromName(coalescerName(key)))
    .forget(key)
    .catch(() => {});
  return c.json({ deleted: key });
});

export const maintenanceQuery = z.object({
  batch: z.coerce
    .number({ error: "must be a whole number from 1 to 5000" })
    .int({ error: "must be a whole number from 1 to 5000" })
    .min(1, { error: "must be a whole number from 1 to 5000" })
    .max(5000, { error: "must be a whole number from 1 to 5000" })
    .optional(),
  /** optimize, defragment, rebuild: drop the stored run and start from the first key. */
  restart: z.stringbool({ error: "must be true or false" }).optional(),
});

/**
 * One bounded pass of a maintenance job; `more: true` says another call has work left. optimize,
 * defragment and rebuild keep their cursor in D1 between calls (`?restart=true` starts over).
 */
admin.post("/maintenance/:job", validate("query", maintenanceQuery), async (c) => {
  const job = MAINTENANCE_JOBS.find((name) => name === c.req.param("job"));
  if (!job) {
    throw new CacheError(
      "not_found",
      `no maintenance job "${c.req.param("job")}": use ${MAINTENANCE_JOBS.join(", ")}`,
      {
        field: "job",
      },
    );
  }
  const started = Date.now();
  const { batch = DEFAULT_BATCH, restart } = c.req.valid("query");
  const run = { now: started, batch, restart };
  const report = await runMaintenance(job, c.env, c.executionCtx, c.get("config"), run);
  return c.json({ job, ...report, ms: Date.now() - started });
});

admin.get("/metrics", async (c) =>
  c.text(await metricsText(c), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }),
);

admin.get("/config", (c) => c.json(c.get("config")));

/** A JSON object of config fields; validation of the merged result names the bad field. */
const patchSchema = z.record(z.string(), z.unknown(), { error: "must be a JSON object of config fields" });

admin.patch("/config", validate("json", patchSchema), async (c) => {
  const patch = c.req.valid("json") as ConfigPatch;
  const unknown = Object.keys(patch).find((field) => !(field in configSchema.shape));
  if (unknown) throw badRequest(unknown, "is not a config field");
  try {
    return c.json(await updateConfig(c.env, patch));
  } catch (error) {
    if (!(error instanceof z.ZodError)) throw error;
    const issue = error.issues[0];
    throw badRequest(fieldName(issue?.path ?? []), issue?.message ?? "invalid");
  }
});

admin.delete("/config", async (c) => c.json(await resetConfig(c.env)));

admin.route("/calibration", calibration);
admin.route("/warmup", warmup);
admin.route("/", backup);
admin.route("/tuning", tuning);
admin.route("/entries", entryRoutes);
