/**
 * @module Reads the live cache as backup records: the D1 index a page at a time by key (a cursor, so a
 * cache of any size streams through), each entry's body from its row or from R2, its vector from the
 * index, then the aliases, the runtime config and the stored calibrations.
 *
 * Consistency: every record is one whole entry. Its body is checked against the metadata it is stored
 * with before it is written; a body that does not match (rewritten between the two reads) is read
 * again once, and an entry still changing is left out (counted in `skipped`). An entry written while the
 * backup runs is in it if its key comes after the cursor, else not: never half.
 *
 * Documents (context expansion): every distinct chunk (row, R2 bytes checked against its id, vector from
 * the chunk index), then every document with its current chunk list. A document loaded while the backup
 * runs may list chunks that came after the chunk cursor: restore serves the chunks it has, as retrieval
 * only returns chunks that have a row.
 */
import { and, asc, eq, gt, or, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { decompress, sha256Hex } from "../cache/codec";
import { CALIBRATION_PREFIX } from "../calibration-store";
import { CONFIG_OVERRIDES_KEY } from "../config-store";
import {
  aliases,
  type ChunkRow,
  chunks,
  contextChunks,
  contexts,
  type EntryRow,
  entries,
  semanticScopes,
} from "../db/schema";
import { chunkId, chunkR2Key, chunkShard } from "../documents/store";
import type { VectorIndex, VectorRecord } from "../semantic/vectors/types";
import type { StoredEntry, Tier } from "../tiers/types";
import { bytesToBase64, vectorToBase64 } from "./base64";
import type {
  AliasRecord,
  BackupRecord,
  ChunkRecord,
  ContextRecord,
  EntryRecord,
  ScopeRecord,
} from "./format";

/** Rows per D1 page: each is whole in memory with its body (at most 512 KiB in a row by default). */
export const PAGE_ROWS = 50;

/** Rows after `after` in (namespace, id) order: the keyset cursor of a paged scan. */
const pastKey = (
  namespace: SQLiteColumn,
  id: SQLiteColumn,
  after: { namespace: string; id: string },
): SQL | undefined =>
  or(gt(namespace, after.namespace), and(eq(namespace, after.namespace), gt(id, after.id)));

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

/** Every semantic scope, in key order. */
export async function* scopeRecords(d1: D1Database): AsyncGenerator<ScopeRecord> {
  const db = drizzle(d1);
  let cursor = "";
  for (;;) {
    const rows = await db
      .select()
      .from(semanticScopes)
      .where(gt(semanticScopes.key, cursor))
      .orderBy(asc(semanticScopes.key))
      .limit(PAGE_ROWS);
    for (const row of rows) yield { type: "scope", ...row };
    if (rows.length < PAGE_ROWS) return;
    cursor = rows.at(-1)?.key ?? cursor;
  }
}

/** Whether `body` (stored with `codec`) decodes to the text whose chunk id is `id`. */
export async function chunkBodyMatches(
  namespace: string,
  id: string,
  body: Uint8Array,
  codec: ChunkRow["codec"],
): Promise<boolean> {
  try {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
      await decompress(body, codec),
    );
    return (await chunkId(namespace, text)) === id;
  } catch {
    return false;
  }
}

export interface ChunkSources {
  db: D1Database;
  bucket: R2Bucket;
  /** The chunk index; chunks get `vector: null` where it cannot say. */
  index: VectorIndex | undefined;
}

/** Every distinct chunk of every namespace, by namespace and id; `onSkip` hears of each one left out. */
export async function* chunkRecords(sources: ChunkSources, onSkip: () => void): AsyncGenerator<ChunkRecord> {
  const db = drizzle(sources.db);
  let after: { namespace: string; id: string } | undefined;
  for (;;) {
    const rows = await db
      .select()
      .from(chunks)
      .where(after && pastKey(chunks.namespace, chunks.id, after))
      .orderBy(asc(chunks.namespace), asc(chunks.id))
      .limit(PAGE_ROWS);
    if (rows.length === 0) return;
    const last = rows.at(-1) as ChunkRow;
    after = { namespace: last.namespace, id: last.id };
    const vectors = new Map<string, VectorRecord>();
    if (sources.index?.get) {
      for (const namespace of new Set(rows.map((r) => r.namespace))) {
        const ids = rows.filter((r) => r.namespace === namespace).map((r) => r.id);
        for (const v of await sources.index.get(ids, chunkShard(namespace)))
          vectors.set(`${namespace}\u0000${v.id}`, v);
      }
    }
    for (const row of rows) {
      const object = await sources.bucket.get(chunkR2Key(row.namespace, row.id));
      const body = object ? new Uint8Array(await object.arrayBuffer()) : undefined;
      // Gone (its document removed meanwhile) or not what its id says: left out.
      if (!body || !(await chunkBodyMatches(row.namespace, row.id, body, row.codec))) {
        onSkip();
        continue;
      }
      const vector = vectors.get(`${row.namespace}\u0000${row.id}`);
      yield {
        type: "chunk",
        ...row,
        storedSize: body.byteLength,
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
    if (rows.length < PAGE_ROWS) return;
  }
}

/** Every document with its current chunk list, by namespace and id. */
export async function* contextRecords(d1: D1Database): AsyncGenerator<ContextRecord> {
  const db = drizzle(d1);
  let after: { namespace: string; id: string } | undefined;
  for (;;) {
    const rows = await db
      .select()
      .from(contexts)
      .where(after && pastKey(contexts.namespace, contexts.id, after))
      .orderBy(asc(contexts.namespace), asc(contexts.id))
      .limit(PAGE_ROWS);
    for (const row of rows) {
      const listed = await db
        .select({ chunkId: contextChunks.chunkId })
        .from(contextChunks)
        .where(
          and(
            eq(contextChunks.namespace, row.namespace),
            eq(contextChunks.contextId, row.id),
            eq(contextChunks.generation, row.generation),
          ),
        )
        .orderBy(asc(contextChunks.position));
      yield { type: "context", ...row, chunkIds: listed.map((l) => l.chunkId) };
    }
    if (rows.length < PAGE_ROWS) return;
    const last = rows.at(-1) as (typeof rows)[number];
    after = { namespace: last.namespace, id: last.id };
  }
}
