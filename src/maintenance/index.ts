/**
 * @module The maintenance jobs as the cron and `POST /admin/maintenance/:job` run them: each builds the
 * tiers of the current config and runs one bounded pass (or a few, for the cron).
 */
import { clientKeys } from "../auth";
import { createAliasStore } from "../cache/aliases";
import { createSemanticLayer, MAX_SEMANTIC_CHARS } from "../cache/semantic";
import { isolateStats } from "../cache/stats";
import { createCacheTiers, isolateMemoryTier } from "../cache/tiers";
import type { CacheConfig } from "../config";
import { createChunkIndex } from "../documents";
import { dropGeneration } from "../documents/store";
import type { Env } from "../env";
import type { Tier, TierName } from "../tiers/types";
import { type CleanupReport, cleanup } from "./cleanup";
import { type DefragmentReport, defragment } from "./defragment";
import { type DemoteReport, demote, type RunOptions } from "./demote";
import { type OptimizeReport, optimize } from "./optimize";
import { type RebuildReport, rebuild } from "./rebuild";

export const MAINTENANCE_JOBS = ["demote", "cleanup", "optimize", "defragment", "rebuild"] as const;
export type MaintenanceJob = (typeof MAINTENANCE_JOBS)[number];

/** Entries per step and pass unless the caller says otherwise. */
export const DEFAULT_BATCH = 200;

export type MaintenanceReport =
  | DemoteReport
  | CleanupReport
  | OptimizeReport
  | DefragmentReport
  | RebuildReport;

/** A pass's options: the clock, the batch, and (for the resumable jobs) whether to drop the stored run. */
export interface MaintenanceRun extends RunOptions {
  /** Optimize, defragment, rebuild: start over instead of going on from the stored cursor. */
  restart?: boolean;
}

/** Runs one pass of `job` over the tiers `config` describes. */
export async function runMaintenance(
  job: MaintenanceJob,
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  config: CacheConfig,
  run: MaintenanceRun,
): Promise<MaintenanceReport> {
  const chain = createCacheTiers(env, config, ctx, isolateStats);
  const tiers: Partial<Record<TierName, Tier>> = {};
  for (const tier of chain.tiers) tiers[tier.name] = tier;
  const { l2: kv, l4: archive } = tiers;
  switch (job) {
    case "demote":
      return demote({ memory: isolateMemoryTier(config), tiers, db: env.DB }, config, run);
    case "cleanup": {
      const aliases = createAliasStore(env.DB);
      const clearAliases = (key: string) => aliases.clear(key);
      return cleanup({ tiers: chain.tiers, db: env.DB, clearAliases }, config, run);
    }
  }
  if (!kv || !archive) throw new Error("the KV and R2 tiers are always built");
  if (job === "optimize") return optimize({ db: env.DB, archive }, config, run);
  const layer = createSemanticLayer(env, config);
  if (job === "defragment") {
    const namespaces = [...new Set(clientKeys(env).values())];
    const chunkStorage = { db: env.DB, bucket: env.ARCHIVE, index: createChunkIndex(env) };
    const dropLoad = (namespace: string, contextId: string, generation: number) =>
      dropGeneration(chunkStorage, namespace, contextId, generation);
    return defragment({ db: env.DB, kv, archive, index: layer?.index, namespaces, dropLoad }, config, run);
  }
  const semantic = layer && { embedder: layer.embedder, index: layer.index };
  return rebuild({ db: env.DB, kv, archive, semantic, maxQuestionChars: MAX_SEMANTIC_CHARS }, config, run);
}

/** How often each isolate moves its own idle L1 entries down (the cron reaches only its own isolate). */
export const ISOLATE_DEMOTE_INTERVAL_MS = 60_000;
let lastIsolatePass = 0;

/**
 * The L1 step of demotion for this isolate, at most once a minute, run from a request's `waitUntil`:
 * every isolate's memory is its own, so no cron can empty it.
 */
export async function demoteIdleL1(
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  config: CacheConfig,
  now = Date.now(),
): Promise<DemoteReport | undefined> {
  if (config.demoteAfterSeconds.l1 === 0 || now - lastIsolatePass < ISOLATE_DEMOTE_INTERVAL_MS) return;
  lastIsolatePass = now;
  const l1Only = { ...config, demoteAfterSeconds: { l1: config.demoteAfterSeconds.l1, l2: 0, l3: 0 } };
  return (await runMaintenance("demote", env, ctx, l1Only, { now, batch: DEFAULT_BATCH })) as DemoteReport;
}

/** Runs passes of `job` until it has nothing more to do, `maxPasses` is reached or `budgetMs` is spent. */
export async function runMaintenanceUntilDone(
  job: MaintenanceJob,
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  config: CacheConfig,
  options: { now: number; batch: number; maxPasses: number; budgetMs: number },
): Promise<{ passes: number; reports: MaintenanceReport[] }> {
  const started = Date.now();
  const reports: MaintenanceReport[] = [];
  for (let pass = 0; pass < options.maxPasses; pass++) {
    const report = await runMaintenance(job, env, ctx, config, options);
    reports.push(report);
    if (!report.more || Date.now() - started > options.budgetMs) break;
  }
  return { passes: reports.length, reports };
}
