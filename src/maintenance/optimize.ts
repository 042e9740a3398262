/**
 * @module Optimize: every entry's body re-encoded with the smallest codec the config's `compression`
 * allows ({@link smallestEncoding}; Workers compress at one level), when that saves at least
 * {@link MIN_SAVING_BYTES} or `compression` names another codec, and its body put where the placement
 * rules say:
 * in the D1 row when it fits and is not idle past `demoteAfterSeconds.l3`, else in R2. Bounded per call,
 * resumable by key (see ./runs.ts).
 *
 * The D1 row is the index and is switched last, guarded by the checksum and codec it was read with, so
 * an entry rewritten while the job runs keeps its new row. KV and L1 copies are left as they are: they
 * stay valid (the checksum is of the plain bytes) and the next back-fill from D1 or R2 copies the new
 * encoding. Expired rows are cleanup's; a body that fails its checksum is counted and left alone.
 */
import { and, asc, eq, getTableColumns, gt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { decompress, sha256Hex, smallestEncoding } from "../cache/codec";
import type { CacheConfig } from "../config";
import { type EntryRow, entries } from "../db/schema";
import type { Codec, StoredEntry, Tier } from "../tiers/types";
import type { RunOptions } from "./demote";
import { addTotals, createRunStore } from "./runs";

export interface OptimizeCounts {
  /** Entries looked at. */
  scanned: number;
  /** Bodies re-encoded (smaller, or to the codec `compression` now names). */
  recompressed: number;
  /** Bodies moved between the D1 row and R2. */
  moved: number;
  /** Stored bytes of the scanned entries before and after. */
  bytesBefore: number;
  bytesAfter: number;
  /** Bodies that failed their checksum or were missing: left for cleanup. */
  corrupt: number;
  /** Entries a tier failed on, or rewritten while the job ran; the next run sees them again. */
  failed: number;
}

export interface OptimizeReport extends OptimizeCounts {
  /** The run is not finished: call again to go on (from `cursor`). */
  more: boolean;
  /** The last key done; the next call starts after it. Null once the run is complete. */
  cursor: string | null;
  /** When the run began and what it did over all its calls so far. */
  run: { startedAt: number; resumed: boolean; totals: OptimizeCounts };
}

export interface OptimizeDeps {
  db: D1Database;
  /** The R2 tier, where bodies too big or too idle for a row live. */
  archive: Tier;
}

/**
 * A rewrite must save at least this many bytes: gzip and deflate carry the same deflate stream, and
 * swapping one for the other (12 bytes of framing) is not worth a D1 write per entry. @default 32
 */
export const MIN_SAVING_BYTES = 32;

/** An entry's row without its body. */
type IndexRow = Omit<EntryRow, "body">;

const ZERO: OptimizeCounts = {
  scanned: 0,
  recompressed: 0,
  moved: 0,
  bytesBefore: 0,
  bytesAfter: 0,
  corrupt: 0,
  failed: 0,
};

/** Runs one pass over at most `run.batch` entries. */
export async function optimize(
  deps: OptimizeDeps,
  config: CacheConfig,
  run: RunOptions & { restart?: boolean },
): Promise<OptimizeReport> {
  const store = createRunStore<"entries", OptimizeCounts>(deps.db, "optimize");
  const state = await store.load(run.now, { step: "entries", after: "", totals: ZERO }, run.restart);
  const db = drizzle(deps.db);
  // Bodies are read one at a time: a page of them could outgrow the isolate's 128 MB.
  const { body: _body, ...columns } = getTableColumns(entries);
  const rows = await db
    .select(columns)
    .from(entries)
    .where(gt(entries.key, state.cursor.after))
    .orderBy(asc(entries.key))
    .limit(run.batch);
  const pass = { ...ZERO };
  for (const row of rows) await optimizeEntry(deps, config, run.now, row, pass);
  const more = rows.length === run.batch;
  const cursor = {
    step: "entries" as const,
    after: rows.at(-1)?.key ?? "",
    totals: addTotals(state.cursor.totals, pass),
  };
  await store.save({ startedAt: state.startedAt, cursor }, !more, run.now);
  return {
    ...pass,
    more,
    cursor: more ? cursor.after : null,
    run: { startedAt: state.startedAt, resumed: state.resumed, totals: cursor.totals },
  };
}

/** Where the body of `row` belongs once it is `storedSize` bytes. */
function targetOf(config: CacheConfig, row: IndexRow, storedSize: number, now: number): "l3" | "l4" {
  const { l3, l4 } = config.tiers;
  if (storedSize > l3.maxEntryBytes || !config.writeTiers.includes("l3")) return "l4";
  // Demotion moved it to R2 for being idle: optimizing must not undo that.
  const idleAfter = config.demoteAfterSeconds.l3 * 1000;
  if (idleAfter > 0 && (row.lastHitAt ?? row.storedAt) < now - idleAfter) return "l4";
  // A body R2 alone was chosen for (writeTiers with l4, or big) stays there too.
  if (row.location === "l4" && storedSize >= l4.minEntryBytes) return "l4";
  return "l3";
}

async function optimizeEntry(
  deps: OptimizeDeps,
  config: CacheConfig,
  now: number,
  row: IndexRow,
  pass: OptimizeCounts,
): Promise<void> {
  if (row.expiresAt !== null && row.expiresAt <= now) return;
  pass.scanned++;
  pass.bytesBefore += row.storedSize;
  const fail = (counter: "corrupt" | "failed") => {
    pass[counter]++;
    pass.bytesAfter += row.storedSize;
  };
  let body: Uint8Array | null = null;
  if (row.location === "l3") {
    const [read] = await drizzle(deps.db)
      .select({ body: entries.body, checksum: entries.checksum })
      .from(entries)
      .where(eq(entries.key, row.key))
      .limit(1);
    body = read?.checksum === row.checksum ? read.body : null;
  } else {
    const stored = await deps.archive.get(row.key).catch(() => undefined);
    if (stored === undefined) return fail("failed");
    body = stored && stored.meta.codec === row.codec ? stored.body : null;
  }
  const plain = body && (await plainOf(body, row.codec, row.checksum));
  if (!plain) return fail("corrupt");
  const best = await smallestEncoding(plain, {
    mode: config.compression,
    thresholdBytes: config.compressionThresholdBytes,
  });
  // A fixed mode converts to its codec; otherwise the old bytes stay unless the new ones are worth a write.
  const converts = config.compression !== "auto" && best.codec !== row.codec;
  const keep = !converts && best.body.byteLength > row.storedSize - MIN_SAVING_BYTES;
  const next = keep ? { codec: row.codec, body: body ?? plain } : best;
  const target = targetOf(config, row, next.body.byteLength, now);
  if (keep && target === row.location) {
    pass.bytesAfter += row.storedSize;
    return;
  }
  try {
    await place(deps, config, row, next, target);
  } catch {
    return fail("failed");
  }
  if (!keep) pass.recompressed++;
  if (target !== row.location) pass.moved++;
  pass.bytesAfter += next.body.byteLength;
}

/** The plain bytes of a body that matches its checksum, or null. */
async function plainOf(body: Uint8Array, codec: Codec, checksum: string): Promise<Uint8Array | null> {
  try {
    const plain = await decompress(body, codec);
    return (await sha256Hex(plain)) === checksum ? plain : null;
  } catch {
    return null;
  }
}

/** Writes the body where it belongs, R2 before the row; throws when the row changed under us. */
async function place(
  deps: OptimizeDeps,
  config: CacheConfig,
  row: IndexRow,
  next: { codec: Codec; body: Uint8Array },
  target: "l3" | "l4",
): Promise<void> {
  const db = drizzle(deps.db);
  const { checksum, size, createdAt, expiresAt, namespace } = row;
  const stored: StoredEntry = {
    body: next.body,
    meta: {
      codec: next.codec,
      checksum,
      size,
      storedSize: next.body.byteLength,
      createdAt,
      expiresAt,
      namespace,
    },
  };
  if (target === "l4") await deps.archive.set(row.key, stored, { storedAt: row.storedAt });
  // Only the entry that was read: a rewrite since then keeps its row (and the R2 copy is its, or ours
  // of the same plain bytes).
  const result = await db
    .update(entries)
    .set({
      codec: next.codec,
      storedSize: next.body.byteLength,
      location: target,
      body: target === "l3" ? next.body : null,
    })
    .where(
      and(
        eq(entries.key, row.key),
        eq(entries.checksum, checksum),
        eq(entries.codec, row.codec),
        eq(entries.location, row.location),
      ),
    );
  if (result.meta.changes === 0) throw new Error("entry changed while optimizing");
  // A body brought into its row leaves R2 unless the placement rules want a copy there too.
  const accepted = next.body.byteLength <= config.tiers.l4.maxEntryBytes && config.writeTiers.includes("l4");
  if (target === "l3" && row.location === "l4" && !accepted) await deps.archive.delete(row.key);
}
