/**
 * @module Reads the live cache as backup records: the D1 index a page at a time by key (a cursor, so a
 * cache of any size streams through), each entry's body from its row or from R2, its vector from the
 * index, then the aliases, the runtime config and the stored calibrations.
 *
 * Consistency: every record is one whole entry. Its body is checked against the metadata it is stored
 * with before it is written; a body that does not match (rewritten between the two reads) is read
 * again once, and an entry still changing is left out (counted in `skipped`). An entry written while the
 * backup runs is in it if its key comes after the cursor, else not: never half.
 */
import { asc, eq, gt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { decompress, sha256Hex } from "../cache/codec";
import { CALIBRATION_PREFIX } from "../calibration-store";
import { CONFIG_OVERRIDES_KEY } from "../config-store";
import { aliases, type EntryRow, entries } from "../db/schema";
import type { VectorIndex, VectorRecord } from "../semantic/vectors/types";
import type { StoredEntry, Tier } from "../tiers/types";
import { bytesToBase64, vectorToBase64 } from "./base64";
import type { AliasRecord, BackupRecord, EntryRecord } from "./format";

/** Rows per D1 page: each is whole in memory with its body (at most 512 KiB in a row by default). */
export const PAGE_ROWS = 50;

export interface SnapshotSources {
  db: D1Database;
  kv: KVNamespace;
  /** The L4 tier, for bodies that live in R2. */
  archive: Tier;
  /** The vector index; entries get `vector: null` where it cannot say. */
  index: VectorIndex | undefined;
  /** Entries expired at this time are left out. */
  now: number;
}

/** Whether `body` decodes to the plain bytes `checksum` names. */
async function bodyMatches(body: Uint8Array, codec: EntryRow["codec"], checksum: string): Promise<boolean> {
  try {
    return (await sha256Hex(await decompress(body, codec))) === checksum;
  } catch {
    return false;
  }
}

/** The stored bytes of a row's entry that match the row, or null (gone, or changed under us). */
async function bodyOf(row: EntryRow, archive: Tier): Promise<Uint8Array | null> {
  if (row.location === "l3") {
    return row.body && (await bodyMatches(row.body, row.codec, row.checksum)) ? row.body : null;
  }
  const stored: StoredEntry | null = await archive.get(row.key);
  if (!stored || stored.meta.checksum !== row.checksum || stored.meta.codec !== row.codec) return null;
  return (await bodyMatches(stored.body, row.codec, row.checksum)) ? stored.body : null;
}

function entryRecord(row: EntryRow, body: Uint8Array, vector: VectorRecord | undefined): EntryRecord {
  return {
    type: "entry",
    key: row.key,
    namespace: row.namespace,
    model: row.model,
    prompt: row.prompt,
    codec: row.codec,
    checksum: row.checksum,
    size: row.size,
    storedSize: body.byteLength,
    createdAt: row.createdAt,
    storedAt: row.storedAt,
    expiresAt: row.expiresAt,
    lastHitAt: row.lastHitAt,
    hitCount: row.hitCount,
    body: bytesToBase64(body),
    vector: vector
      ? {
          fingerprint: vector.fingerprint,
          text: vector.text,
          createdAt: vector.createdAt,
          values: vectorToBase64(vector.vector),
        }
      : null,
  };
}

/** The vectors of one page's entries, by key; empty where the index cannot look them up. */
async function vectorsOf(
  index: VectorIndex | undefined,
  rows: EntryRow[],
): Promise<Map<string, VectorRecord>> {
  const found = new Map<string, VectorRecord>();
  if (!index?.get) return found;
  const byNamespace = new Map<string, EntryRow[]>();
  for (const row of rows) byNamespace.set(row.namespace, [...(byNamespace.get(row.namespace) ?? []), row]);
  for (const [namespace, group] of byNamespace) {
    for (const record of await index.get(
      group.map((row) => row.key),
      namespace,
    ))
      found.set(record.id, record);
  }
  return found;
}

/** Every entry as a record, in key order; `onSkip` hears of each one left out. */
export async function* entryRecords(
  sources: SnapshotSources,
  onSkip: () => void,
): AsyncGenerator<EntryRecord> {
  const db = drizzle(sources.db);
  let cursor = "";
  for (;;) {
    const rows = await db
      .select()
      .from(entries)
      .where(gt(entries.key, cursor))
      .orderBy(asc(entries.key))
      .limit(PAGE_ROWS);
    if (rows.length === 0) return;
    cursor = rows.at(-1)?.key ?? cursor;
    const vectors = await vectorsOf(sources.index, rows);
    for (const first of rows) {
      if (first.expiresAt !== null && first.expiresAt <= sources.now) {
        onSkip();
        continue;
      }
      let row: EntryRow | undefined = first;
      let body = await bodyOf(row, sources.archive);
      if (!body) {
        // Rewritten between the row and the body: read both again, once.
        [row] = await db.select().from(entries).where(eq(entries.key, first.key)).limit(1);
        body = row ? await bodyOf(row, sources.archive) : null;
      }
      if (!row) continue; // deleted while the backup ran: not in it
      if (!body) {
        onSkip();
        continue;
      }
      yield entryRecord(row, body, vectors.get(row.key));
    }
    if (rows.length < PAGE_ROWS) return;
  }
}

/** Every alias, in key order. */
export async function* aliasRecords(d1: D1Database): AsyncGenerator<AliasRecord> {
  const db = drizzle(d1);
  let cursor = "";
  for (;;) {
    const rows = await db
      .select()
      .from(aliases)
      .where(gt(aliases.key, cursor))
      .orderBy(asc(aliases.key))
      .limit(500);
    for (const row of rows) yield { type: "alias", ...row };
    if (rows.length < 500) return;
    cursor = rows.at(-1)?.key ?? cursor;
  }
}

/** The runtime config overrides and every stored calibration. */
export async function* settingsRecords(kv: KVNamespace): AsyncGenerator<BackupRecord> {
  const overrides = await kv.get<Record<string, unknown>>(CONFIG_OVERRIDES_KEY, "json");
  yield { type: "config", overrides };
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix: CALIBRATION_PREFIX, cursor });
    for (const { name } of page.keys) {
      const calibration = await kv.get<Record<string, unknown>>(name, "json");
      if (calibration)
        yield { type: "calibration", embedder: name.slice(CALIBRATION_PREFIX.length), calibration };
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
}
