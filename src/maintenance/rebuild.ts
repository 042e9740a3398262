/**
 * @module Rebuild: the vector index and L2 (KV) from L3 (the D1 rows and the R2 bodies), walking the
 * entries by key over bounded, resumable calls (./runs.ts).
 *
 * Vectors: an entry's question is in its row (`prompt`), but its context fingerprint hashes the whole
 * request but the question (model, params, system prompt, earlier turns) and the embedder model, and
 * `entries` does not keep that. Entries indexed since migration 0003 keep it in `semantic_scopes`; they
 * are re-embedded with the embedder of the day and the fingerprint is recomputed for it. Older entries
 * have no scope row and cannot be re-embedded (counted in `noScope`): they still answer exact repeats.
 * Existing vectors are replaced in place, never cleared first, so matching keeps working during the run.
 *
 * KV: every live entry the write policy puts in KV (`writeTiers` has `l2`, within `l2.maxEntryBytes`)
 * and that demotion has not taken out of it (`l2_demoted_at` unset) is copied there again when KV lacks
 * it, its body checked against the row's checksum first.
 */
import { asc, eq, getTableColumns, gt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { decompress, sha256Hex } from "../cache/codec";
import { createScopeStore } from "../cache/scopes";
import type { CacheConfig } from "../config";
import { type EntryRow, entries } from "../db/schema";
import type { Embedder } from "../semantic/embedders/types";
import { fingerprintOf } from "../semantic/fingerprint";
import type { VectorIndex, VectorRecord } from "../semantic/vectors/types";
import type { StoredEntry, Tier } from "../tiers/types";
import type { RunOptions } from "./demote";
import { addTotals, createRunStore, type StepResult, walkSteps } from "./runs";

export const REBUILD_STEPS = ["vectors", "kv"] as const;
export type RebuildStep = (typeof REBUILD_STEPS)[number];

/** Questions embedded per embedder call. */
const EMBED_BATCH = 32;

export interface RebuildCounts {
  /** Entry rows looked at (once per step). */
  scanned: number;
  /** Vectors re-embedded and written to the index. */
  vectors: number;
  /** Entries with no stored context (indexed before migration 0003): their vector cannot be rebuilt. */
  noScope: number;
  /** Entries whose question is empty or too long to match semantically (never indexed). */
  notIndexable: number;
  /** KV copies written. */
  kv: number;
  /** KV copies already there. */
  kvPresent: number;
  /** Entries whose body was missing or failed its checksum: nothing copied. */
  corrupt: number;
  /** Writes that failed (embedder, index or KV); the next run tries them again. */
  failed: number;
}

export interface RebuildReport extends RebuildCounts {
  skipped: Array<{ step: RebuildStep; reason: string }>;
  more: boolean;
  cursor: { step: RebuildStep; after: string } | null;
  run: { startedAt: number; resumed: boolean; totals: RebuildCounts };
}

export interface RebuildDeps {
  db: D1Database;
  kv: Tier;
  archive: Tier;
  /** The embedder and index when semantic matching is on; undefined skips the vector step. */
  semantic: { embedder: Embedder; index: VectorIndex } | undefined;
  /** Questions longer than this are matched exactly only (as the lookup does). */
  maxQuestionChars: number;
}

const ZERO: RebuildCounts = {
  scanned: 0,
  vectors: 0,
  noScope: 0,
  notIndexable: 0,
  kv: 0,
  kvPresent: 0,
  corrupt: 0,
  failed: 0,
};

/** Runs the steps from where the stored run stands, looking at no more than `run.batch` rows. */
export async function rebuild(
  deps: RebuildDeps,
  config: CacheConfig,
  run: RunOptions & { restart?: boolean },
): Promise<RebuildReport> {
  const store = createRunStore<RebuildStep, RebuildCounts>(deps.db, "rebuild");
  const state = await store.load(run.now, { step: "vectors", after: "", totals: ZERO }, run.restart);
  const pass = { ...ZERO };
  const skipped: RebuildReport["skipped"] = [];
  const walked = await walkSteps(REBUILD_STEPS, state.cursor, run.batch, async (step, after, limit) => {
    const skip = skipReason(step, deps, config);
    if (skip) {
      skipped.push({ step, reason: skip });
      return { scanned: 0, after: undefined };
    }
    const rows = await liveRows(deps.db, after, limit, run.now, step === "kv");
    if (step === "vectors") await rebuildVectors(deps, rows, pass);
    else for (const row of rows) await rebuildKv(deps, config, row, pass);
    return {
      scanned: rows.length,
      after: rows.length === limit ? rows.at(-1)?.key : undefined,
    } as StepResult;
  });
  pass.scanned = walked.scanned;
  const totals = addTotals(state.cursor.totals, pass);
  const { step, after, more } = walked;
  await store.save({ startedAt: state.startedAt, cursor: { step, after, totals } }, !more, run.now);
  return {
    ...pass,
    skipped,
    more,
    cursor: more ? { step, after } : null,
    run: { startedAt: state.startedAt, resumed: state.resumed, totals },
  };
}

function skipReason(step: RebuildStep, deps: RebuildDeps, config: CacheConfig): string | undefined {
  if (step === "vectors" && !deps.semantic) return "semantic matching is off: no embedder or index";
  if (step === "kv" && !config.writeTiers.includes("l2")) return "writeTiers has no l2: KV holds no entries";
  return undefined;
}

/** An entry's row without its body (a page of bodies could outgrow the isolate's 128 MB). */
type IndexRow = Omit<EntryRow, "body"> & { live: boolean };

/**
 * The next `limit` rows after `after` by key. Expired ones (cleanup's) and, for KV, demoted ones are
 * marked not live: passed over, but on the page so the cursor moves.
 */
async function liveRows(d1: D1Database, after: string, limit: number, now: number, forKv: boolean) {
  const db = drizzle(d1);
  const { body: _body, ...columns } = getTableColumns(entries);
  const rows = await db
    .select(columns)
    .from(entries)
    .where(gt(entries.key, after))
    .orderBy(asc(entries.key))
    .limit(limit);
  return rows.map(
    (row): IndexRow => ({
      ...row,
      live: (row.expiresAt === null || row.expiresAt > now) && (!forKv || row.l2DemotedAt === null),
    }),
  );
}

async function rebuildVectors(deps: RebuildDeps, rows: IndexRow[], pass: RebuildCounts): Promise<void> {
  const semantic = deps.semantic;
  if (!semantic) return;
  const live = rows.filter((row) => row.live);
  const scopes = await createScopeStore(deps.db).get(live.map((row) => row.key));
  const todo: Array<{ row: IndexRow; context: string }> = [];
  for (const row of live) {
    const context = scopes.get(row.key);
    if (!row.prompt.trim() || row.prompt.length > deps.maxQuestionChars) pass.notIndexable++;
    else if (context === undefined) pass.noScope++;
    else todo.push({ row, context });
  }
  for (let i = 0; i < todo.length; i += EMBED_BATCH) {
    const batch = todo.slice(i, i + EMBED_BATCH);
    try {
      const vectors = await semantic.embedder.embed(batch.map(({ row }) => row.prompt));
      const records: VectorRecord[] = [];
      for (const [j, { row, context }] of batch.entries()) {
        const vector = vectors[j];
        if (!vector) continue;
        const fingerprint = await fingerprintOf(context, semantic.embedder.model);
        const { key: id, namespace, prompt: text, createdAt } = row;
        records.push({ id, vector, namespace, fingerprint, text, createdAt });
      }
      await semantic.index.upsert(records);
      pass.vectors += records.length;
      pass.failed += batch.length - records.length;
    } catch {
      pass.failed += batch.length;
    }
  }
}

async function rebuildKv(deps: RebuildDeps, config: CacheConfig, row: IndexRow, pass: RebuildCounts) {
  if (!row.live || row.storedSize > config.tiers.l2.maxEntryBytes) return;
  try {
    const present = await deps.kv.get(row.key);
    if (present?.meta.checksum === row.checksum) {
      pass.kvPresent++;
      return;
    }
    const body =
      row.location === "l3" ? await rowBody(deps.db, row.key) : await archivedBody(deps.archive, row);
    if (!body || !(await matches(body, row))) {
      pass.corrupt++;
      return;
    }
    const { codec, checksum, size, createdAt, expiresAt, namespace } = row;
    const stored: StoredEntry = {
      body,
      meta: { codec, checksum, size, storedSize: body.byteLength, createdAt, expiresAt, namespace },
    };
    await deps.kv.set(row.key, stored);
    pass.kv++;
  } catch {
    pass.failed++;
  }
}

async function rowBody(d1: D1Database, key: string): Promise<Uint8Array | null> {
  const [row] = await drizzle(d1)
    .select({ body: entries.body })
    .from(entries)
    .where(eq(entries.key, key))
    .limit(1);
  return row?.body ?? null;
}

async function archivedBody(archive: Tier, row: IndexRow): Promise<Uint8Array | null> {
  const stored = await archive.get(row.key);
  return stored && stored.meta.codec === row.codec ? stored.body : null;
}

async function matches(body: Uint8Array, row: IndexRow): Promise<boolean> {
  try {
    return (await sha256Hex(await decompress(body, row.codec))) === row.checksum;
  } catch {
    return false;
  }
}
