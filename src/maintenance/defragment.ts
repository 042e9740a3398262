/**
 * @module Defragment: removes what no entry owns any more, step by step over bounded, resumable calls
 * (./runs.ts): R2 bodies and KV copies without a D1 row, aliases and semantic scopes whose entry is
 * gone, vectors of the local index whose entry is gone, the chunk lists (and the chunks only they held)
 * of context loads that died before their commit (an isolate killed mid-load); then `PRAGMA optimize`
 * on D1 (D1 has no VACUUM: it manages its own storage;
 * https://developers.cloudflare.com/d1/sql-api/sql-statements/).
 *
 * An entry being written must survive: its R2 body or KV copy can land before its D1 row (write-behind),
 * so only things written before the run began, less {@link DEFRAGMENT_GRACE_MS}, are candidates, and the
 * D1 row is looked up again right before each delete (aliases and scopes in the same statement). The
 * D1 index is the judge only when it indexes every entry: with `writeTiers` lacking `l3`, KV and R2 hold
 * entries D1 never sees, so the R2, KV, alias and vector steps are skipped and say so.
 */
import { asc, gt, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { CacheConfig } from "../config";
import { aliases, entries, semanticScopes } from "../db/schema";
import { loadStartedAt } from "../documents/store";
import type { VectorIndex } from "../semantic/vectors/types";
import type { Tier } from "../tiers/types";
import type { RunOptions } from "./demote";
import { addTotals, createRunStore, type StepResult, walkSteps } from "./runs";

/** Anything written this long before the run began or later is left alone. @default 600000 (10 min) */
export const DEFRAGMENT_GRACE_MS = 10 * 60_000;

/**
 * A context load whose chunk list no document points at this long after it began is dead: loads are
 * refused at their commit after MAX_LOAD_MS (30 min), so none this old can still commit. @default 3600000
 */
export const DEAD_LOAD_MS = 60 * 60_000;

export const DEFRAGMENT_STEPS = ["r2", "kv", "aliases", "scopes", "vectors", "loads", "d1"] as const;
export type DefragmentStep = (typeof DEFRAGMENT_STEPS)[number];

export interface DefragmentCounts {
  /** R2 bodies with no D1 row, removed. */
  r2: number;
  /** KV copies with no D1 row, removed. */
  kv: number;
  /** Aliases whose canonical entry is gone, removed. */
  aliases: number;
  /** Semantic scopes (rebuild data) whose entry is gone, removed. */
  scopes: number;
  /** Vectors whose entry is gone, removed from the index. */
  vectors: number;
  /** Chunk lists of context loads that never committed, dropped (with the chunks only they held). */
  loads: number;
  /** Keys, rows and vectors looked at. */
  scanned: number;
}

export interface DefragmentReport extends DefragmentCounts {
  /** `PRAGMA optimize` ran on D1 in this call. */
  d1Optimized: boolean;
  /** Steps this call skipped, and why. */
  skipped: Array<{ step: DefragmentStep; reason: string }>;
  more: boolean;
  /** Where the next call goes on; null once the run is complete. */
  cursor: { step: DefragmentStep; after: string } | null;
  run: { startedAt: number; resumed: boolean; totals: DefragmentCounts };
}

export interface DefragmentDeps {
  db: D1Database;
  kv: Tier;
  archive: Tier;
  /** The semantic index, when semantic matching is configured. */
  index: VectorIndex | undefined;
  /** Tenant namespaces known from the keys config; D1's own namespaces are added. */
  namespaces: readonly string[];
  /** Drops one load's chunk list and the chunks only it held (src/documents/store.ts `dropGeneration`). */
  dropLoad?(namespace: string, contextId: string, generation: number): Promise<number>;
}

const ZERO: DefragmentCounts = { r2: 0, kv: 0, aliases: 0, scopes: 0, vectors: 0, loads: 0, scanned: 0 };

/** Runs the steps from where the stored run stands, looking at no more than `run.batch` items. */
export async function defragment(
  deps: DefragmentDeps,
  config: CacheConfig,
  run: RunOptions & { restart?: boolean; graceMs?: number },
): Promise<DefragmentReport> {
  const store = createRunStore<DefragmentStep, DefragmentCounts>(deps.db, "defragment");
  const state = await store.load(run.now, { step: "r2", after: "", totals: ZERO }, run.restart);
  const cutoff = state.startedAt - (run.graceMs ?? DEFRAGMENT_GRACE_MS);
  const loadsBefore = state.startedAt - DEAD_LOAD_MS;
  const report: DefragmentReport = {
    ...ZERO,
    d1Optimized: false,
    skipped: [],
    more: false,
    cursor: null,
    run: { startedAt: state.startedAt, resumed: state.resumed, totals: ZERO },
  };
  const pass = { ...ZERO };
  const walked = await walkSteps(DEFRAGMENT_STEPS, state.cursor, run.batch, async (step, after, limit) => {
    const skip = skipReason(step, deps, config);
    if (skip) {
      report.skipped.push({ step, reason: skip });
      return { scanned: 0, after: undefined };
    }
    return runStep(step, deps, { after, limit, cutoff, loadsBefore }, pass, report);
  });
  const { step, after, more } = walked;
  pass.scanned = walked.scanned;
  report.more = more;
  const totals = addTotals(state.cursor.totals, pass);
  await store.save({ startedAt: state.startedAt, cursor: { step, after, totals } }, !report.more, run.now);
  return { ...report, ...pass, cursor: report.more ? { step, after } : null, run: { ...report.run, totals } };
}

function skipReason(step: DefragmentStep, deps: DefragmentDeps, config: CacheConfig): string | undefined {
  const indexed = config.writeTiers.includes("l3");
  if (step === "loads") return deps.dropLoad ? undefined : "no chunk storage to drop loads from";
  if (!indexed && step !== "scopes" && step !== "d1") {
    return "writeTiers has no l3: D1 does not index every entry, so it cannot tell an orphan";
  }
  if (step === "r2" && !deps.archive.listKeys) return "the R2 tier cannot list its keys";
  if (step === "kv" && !deps.kv.listKeys) return "the KV tier cannot list its keys";
  if (step === "vectors" && !deps.index) return "semantic matching is off: no vector index";
  if (step === "vectors" && !deps.index?.list) return `the ${deps.index?.name} index cannot list its vectors`;
  return undefined;
}

interface StepWindow {
  after: string;
  limit: number;
  cutoff: number;
  /** Loads begun before this (epoch ms) that no document points at are dead. */
  loadsBefore: number;
}

async function runStep(
  step: DefragmentStep,
  deps: DefragmentDeps,
  w: StepWindow,
  pass: DefragmentCounts,
  report: DefragmentReport,
): Promise<StepResult> {
  switch (step) {
    case "r2":
    case "kv": {
      const tier = step === "r2" ? deps.archive : deps.kv;
      const { removed, ...result } = await tierOrphans(deps.db, tier, w);
      pass[step] += removed;
      return result;
    }
    case "aliases":
      return rowOrphans(deps.db, "aliases", w, (n) => (pass.aliases += n));
    case "scopes":
      return rowOrphans(deps.db, "scopes", w, (n) => (pass.scopes += n));
    case "vectors":
      return vectorOrphans(deps, w, (n) => (pass.vectors += n));
    case "loads":
      return deadLoads(deps, w, (n) => (pass.loads += n));
    case "d1":
      await deps.db.prepare("PRAGMA optimize").run();
      report.d1Optimized = true;
      return { scanned: 0, after: undefined };
  }
}

/** D1 binds at most 100 parameters per statement. */
const IDS_PER_STATEMENT = 90;

/** Which of `keys` have a row in `entries` now. */
async function liveKeys(d1: D1Database, keys: string[]): Promise<Set<string>> {
  const db = drizzle(d1);
  const live = new Set<string>();
  for (let i = 0; i < keys.length; i += IDS_PER_STATEMENT) {
    const rows = await db
      .select({ key: entries.key })
      .from(entries)
      .where(inArray(entries.key, keys.slice(i, i + IDS_PER_STATEMENT)));
    for (const row of rows) live.add(row.key);
  }
  return live;
}

/** One listing page of a tier: the old keys with no row go. */
async function tierOrphans(d1: D1Database, tier: Tier, w: StepWindow) {
  const page = await tier.listKeys?.(w.after || undefined, w.limit);
  if (!page) return { scanned: 0, after: undefined, removed: 0 };
  const old = page.keys.filter((k) => k.writtenAt < w.cutoff).map((k) => k.key);
  // Looked up right before the deletes: a row that appeared since the listing keeps its body.
  const live = await liveKeys(d1, old);
  const orphans = old.filter((key) => !live.has(key));
  for (const key of orphans) await tier.delete(key);
  return { scanned: page.keys.length, after: page.cursor, removed: orphans.length };
}

/** Aliases or scopes after `w.after` whose entry is gone; the existence check is in the DELETE itself. */
async function rowOrphans(
  d1: D1Database,
  table: "aliases" | "scopes",
  w: StepWindow,
  count: (removed: number) => void,
): Promise<StepResult> {
  const db = drizzle(d1);
  const t = table === "aliases" ? aliases : semanticScopes;
  const rows = await db
    .select({ key: t.key })
    .from(t)
    .where(gt(t.key, w.after))
    .orderBy(asc(t.key))
    .limit(w.limit);
  const keys = rows.map((r) => r.key);
  const [name, ownerColumn] = table === "aliases" ? ["aliases", "canonical_key"] : ["semantic_scopes", "key"];
  for (let i = 0; i < keys.length; i += IDS_PER_STATEMENT) {
    const chunk = keys.slice(i, i + IDS_PER_STATEMENT);
    const result = await d1
      .prepare(
        `DELETE FROM ${name} WHERE key IN (${chunk.map(() => "?").join(",")}) AND created_at < ?
         AND NOT EXISTS (SELECT 1 FROM entries WHERE entries.key = ${name}.${ownerColumn})`,
      )
      .bind(...chunk, w.cutoff)
      .run();
    count(result.meta.changes);
  }
  return { scanned: rows.length, after: rows.length === w.limit ? rows.at(-1)?.key : undefined };
}

/** The namespaces whose vector shards to walk: the configured tenants and every one D1 knows. */
async function namespacesOf(deps: DefragmentDeps): Promise<string[]> {
  const { results } = await deps.db
    .prepare(
      "SELECT namespace FROM entries UNION SELECT namespace FROM aliases UNION SELECT namespace FROM semantic_scopes",
    )
    .all<{ namespace: string }>();
  return [...new Set([...deps.namespaces, ...results.map((r) => r.namespace)])].sort();
}

/**
 * Vectors whose entry is gone, namespace by namespace (each is its own shard). The cursor is
 * `namespace \n id`; namespaces are walked in sorted order.
 */
async function vectorOrphans(
  deps: DefragmentDeps,
  w: StepWindow,
  count: (removed: number) => void,
): Promise<StepResult> {
  const index = deps.index;
  if (!index?.list) return { scanned: 0, after: undefined };
  const [fromNamespace = "", fromId = ""] = w.after.split("\n");
  const namespaces = (await namespacesOf(deps)).filter((ns) => ns >= fromNamespace);
  let scanned = 0;
  for (const namespace of namespaces) {
    const start = namespace === fromNamespace ? fromId : "";
    const listed = await index.list(namespace, start, w.limit - scanned);
    scanned += listed.length;
    const old = listed.filter((v) => v.createdAt < w.cutoff).map((v) => v.id);
    const live = await liveKeys(deps.db, old);
    const orphans = old.filter((id) => !live.has(id));
    if (orphans.length > 0) await index.delete(orphans, namespace);
    count(orphans.length);
    if (scanned >= w.limit) return { scanned, after: `${namespace}\n${listed.at(-1)?.id ?? start}` };
  }
  return { scanned, after: undefined };
}

/**
 * Chunk lists, after the cursor (`namespace \n contextId \n generation`), of loads begun before
 * `w.loadsBefore` that no document points at: dropped, with the chunks only they held. The document row
 * is read again right before each drop.
 */
async function deadLoads(
  deps: DefragmentDeps,
  w: StepWindow,
  count: (removed: number) => void,
): Promise<StepResult> {
  const [namespace = "", contextId = "", generation = "0"] = w.after ? w.after.split("\n") : [];
  const { results: lists } = await deps.db
    .prepare(
      `SELECT DISTINCT namespace, context_id AS contextId, generation FROM context_chunks
       WHERE (namespace, context_id, generation) > (?, ?, ?)
       ORDER BY namespace, context_id, generation LIMIT ?`,
    )
    .bind(namespace, contextId, Number(generation), w.limit)
    .all<{ namespace: string; contextId: string; generation: number }>();
  for (const list of lists) {
    if (loadStartedAt(list.generation) >= w.loadsBefore) continue;
    const committed = await deps.db
      .prepare("SELECT 1 FROM contexts WHERE namespace = ? AND id = ? AND generation = ?")
      .bind(list.namespace, list.contextId, list.generation)
      .first();
    if (committed) continue;
    await deps.dropLoad?.(list.namespace, list.contextId, list.generation);
    count(1);
  }
  const last = lists.at(-1);
  const after =
    lists.length === w.limit && last ? `${last.namespace}\n${last.contextId}\n${last.generation}` : undefined;
  return { scanned: lists.length, after };
}
