/**
 * @module `VectorShard`: the local vector index of one tenant namespace, a SQLite-backed Durable Object
 * (one per namespace, `idFromName(namespace)`) that stores int8-quantized embeddings and answers exact
 * cosine top-k queries within one context fingerprint, plus a lexical (FTS5) index of the questions
 * for candidates the encoder misses. Serves dev and tests, and the read-your-writes buffer in front of
 * Vectorize when deployed (its lexical index then still covers the whole namespace).
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import {
  codesCosine,
  codesToBlob,
  cosineFactor,
  dequantize,
  quantize,
  unitCopy,
} from "../semantic/vectors/int8";
import { lexicalTerms } from "../semantic/vectors/lexical-query";
import { LexicalStore } from "../semantic/vectors/lexical-store";
import { SliceCache, scanSlice, type VectorSlice } from "../semantic/vectors/slices";
import type {
  LexicalMatch,
  LexicalQuery,
  VectorMatch,
  VectorQuery,
  VectorRecord,
} from "../semantic/vectors/types";

/** Vectors kept per shard before the oldest are evicted. @default 50000 */
export const DEFAULT_MAX_VECTORS = 50_000;
/** Memory for decoded slices per shard; a DO isolate has 128 MB in all. @default 32 MiB */
export const SLICE_CACHE_BYTES = 32 * 1024 * 1024;
/** Texts are cut here: a SQLite row in a DO holds at most 2 MB, and the verifier needs only the prompt. */
export const MAX_TEXT_CHARS = 16_384;
/** Bound parameters per statement allowed in DO SQLite (https://developers.cloudflare.com/durable-objects/platform/limits/). */
const MAX_BINDINGS = 100;

/** Per-call options of {@link VectorShard.upsert}. */
export interface ShardUpsertOptions {
  /** Cap on rows in this shard; the oldest (by createdAt) go first. @default 50000 */
  maxVectors?: number;
  /** Cap on lexical rows (questions indexed for words); the oldest go first. @default 50000 */
  maxLexical?: number;
}

type IdRow = { id: string; codes: ArrayBuffer };
type TextRow = { id: string; text: string; created_at: number };
type StoredRow = TextRow & { codes: ArrayBuffer };
type FingerprintRow = { fingerprint: string };
type VectorRow = StoredRow & { fingerprint: string; scale: number };
type BackfillRow = { rowid: number; id: string; fingerprint: string; text: string; created_at: number };

/** One namespace's vectors in SQLite, with an in-memory int8 copy per fingerprint for queries. */
export class VectorShard extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  readonly #slices = new SliceCache(SLICE_CACHE_BYTES);
  readonly #lexical: LexicalStore;
  /** Row count, kept in memory: COUNT(*) would read (and bill) every row on every write. */
  #rows = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#lexical = new LexicalStore(this.#sql);
    void ctx.blockConcurrencyWhile(async () => {
      this.#sql.exec(`CREATE TABLE IF NOT EXISTS vectors (
        id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, dims INTEGER NOT NULL, codes BLOB NOT NULL,
        scale REAL NOT NULL, text TEXT NOT NULL, created_at INTEGER NOT NULL)`);
      this.#sql.exec("CREATE INDEX IF NOT EXISTS vectors_by_fingerprint ON vectors (fingerprint, dims)");
      this.#sql.exec("CREATE INDEX IF NOT EXISTS vectors_by_age ON vectors (created_at)");
      this.#rows = this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM vectors").one().n;
      this.#lexical.migrate((after, limit) =>
        this.#sql
          .exec<BackfillRow>(
            "SELECT rowid, id, fingerprint, text, created_at FROM vectors WHERE rowid > ? ORDER BY rowid LIMIT ?",
            after,
            limit,
          )
          .toArray()
          .map((r) => ({ ...r, createdAt: r.created_at })),
      );
    });
  }

  /** Inserts or replaces records by id, then evicts the oldest beyond the cap; returns how many went. */
  upsert(records: VectorRecord[], options: ShardUpsertOptions = {}): number {
    const maxVectors = Math.max(1, options.maxVectors ?? DEFAULT_MAX_VECTORS);
    const touched = new Set<string>();
    const added = this.ctx.storage.transactionSync(() => {
      let fresh = 0;
      for (const record of records) {
        const old = this.#sql.exec<FingerprintRow>("SELECT fingerprint FROM vectors WHERE id = ?", record.id);
        const previous = old.toArray()[0];
        if (previous) touched.add(previous.fingerprint);
        else fresh++;
        this.#write(record);
        this.#lexical.write(record);
        touched.add(record.fingerprint);
      }
      return fresh;
    });
    this.#rows += added;
    for (const fingerprint of touched) this.#slices.invalidate(fingerprint);
    this.#lexical.evict(Math.max(1, options.maxLexical ?? DEFAULT_MAX_VECTORS));
    return this.#evict(maxVectors);
  }

  /** The best `topK` matches of the query's fingerprint scoring at least `minScore` (exact cosine). */
  query(q: VectorQuery): VectorMatch[] {
    if (q.topK <= 0 || q.vector.length === 0) return [];
    const slice = this.#slice(q.fingerprint, q.vector.length);
    const hits = scanSlice(slice, q.vector, q.topK, q.minScore ?? Number.NEGATIVE_INFINITY);
    const rows = this.#rowsById<TextRow>(
      "id, text, created_at",
      hits.map((h) => h.id),
    );
    return hits.map(({ id, score }) => {
      const row = rows.get(id);
      return { id, score, text: row?.text ?? "", createdAt: row?.created_at ?? 0 };
    });
  }

  /**
   * The `topK` questions of the query's fingerprint sharing the most relevant content words with
   * `q.text` (BM25), each scored by cosine with `q.vector` where this shard still has its vector.
   */
  lexical(q: LexicalQuery): LexicalMatch[] {
    const hits = this.#lexical.search(q.fingerprint, lexicalTerms(q.text), q.topK);
    if (hits.length === 0) return [];
    const stored = this.#rowsById<StoredRow>(
      "id, text, created_at, codes",
      hits.map((h) => h.id),
    );
    const query = unitCopy(q.vector);
    return hits.map((hit) => {
      const row = stored.get(hit.id);
      const codes = row && new Int8Array(row.codes);
      // Vectors of another dimension count come from another embedder: never compared.
      const score = codes && codes.length === query.length ? codesCosine(query, codes) : undefined;
      return {
        id: hit.id,
        score,
        relevance: -hit.bm25,
        text: row?.text ?? hit.folded,
        createdAt: hit.createdAt,
      };
    });
  }

  /** Removes records by id; returns how many existed. */
  delete(ids: string[]): number {
    let removed = 0;
    for (const id of ids) {
      for (const row of this.#sql.exec<FingerprintRow>(
        "DELETE FROM vectors WHERE id = ? RETURNING fingerprint",
        id,
      )) {
        this.#slices.invalidate(row.fingerprint);
        removed++;
      }
    }
    this.#rows -= removed;
    // Also where the vector is gone already (evicted from the read-your-writes window).
    this.#lexical.delete(ids);
    return removed;
  }

  /** Removes every record of this shard. */
  clear(): void {
    this.#sql.exec("DELETE FROM vectors");
    this.#lexical.clear();
    this.#slices.clear();
    this.#rows = 0;
  }

  /** Stored records by id, vectors dequantized (backups); unknown ids are left out. */
  get(ids: string[]): Array<Omit<VectorRecord, "namespace">> {
    const rows = this.#rowsById<VectorRow>("id, fingerprint, codes, scale, text, created_at", ids);
    return [...rows.values()].map((row) => ({
      id: row.id,
      fingerprint: row.fingerprint,
      vector: dequantize({ codes: new Int8Array(row.codes), scale: row.scale }),
      text: row.text,
      createdAt: row.created_at,
    }));
  }

  /** Ids after `after` in id order, at most `limit`, with when each was stored (defragment's listing). */
  list(after: string, limit: number): Array<{ id: string; createdAt: number }> {
    return this.#sql
      .exec<{ id: string; created_at: number }>(
        "SELECT id, created_at FROM vectors WHERE id > ? ORDER BY id LIMIT ?",
        after,
        Math.max(1, limit),
      )
      .toArray()
      .map((row) => ({ id: row.id, createdAt: row.created_at }));
  }

  /** Number of records in this shard. */
  count(): number {
    return this.#rows;
  }

  /** `columns` of the vectors with these ids, by id (in statements of at most MAX_BINDINGS ids). */
  #rowsById<T extends { id: string } & Record<string, SqlStorageValue>>(
    columns: string,
    ids: string[],
  ): Map<string, T> {
    const rows = new Map<string, T>();
    for (const chunk of chunks(ids, MAX_BINDINGS)) {
      const sql = `SELECT ${columns} FROM vectors WHERE id IN (${chunk.map(() => "?").join(",")})`;
      for (const row of this.#sql.exec<T>(sql, ...chunk)) rows.set(row.id, row);
    }
    return rows;
  }

  #write(record: VectorRecord): void {
    const { codes, scale } = quantize(record.vector);
    this.#sql.exec(
      `INSERT INTO vectors (id, fingerprint, dims, codes, scale, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint, dims = excluded.dims,
         codes = excluded.codes, scale = excluded.scale, text = excluded.text, created_at = excluded.created_at`,
      record.id,
      record.fingerprint,
      codes.length,
      codesToBlob(codes),
      scale,
      record.text.slice(0, MAX_TEXT_CHARS),
      record.createdAt,
    );
  }

  /** Drops the oldest rows beyond `maxVectors` (ties by insertion order); returns how many. */
  #evict(maxVectors: number): number {
    const excess = this.#rows - maxVectors;
    if (excess <= 0) return 0;
    const gone = this.#sql
      .exec<FingerprintRow>(
        `DELETE FROM vectors WHERE id IN (SELECT id FROM vectors ORDER BY created_at, rowid LIMIT ?)
         RETURNING fingerprint`,
        excess,
      )
      .toArray();
    for (const fingerprint of new Set(gone.map((row) => row.fingerprint))) {
      this.#slices.invalidate(fingerprint);
    }
    this.#rows -= gone.length;
    return gone.length;
  }

  /** The cached slice of a fingerprint, loaded from SQLite on a miss. */
  #slice(fingerprint: string, dims: number): VectorSlice {
    const key = SliceCache.key(fingerprint, dims);
    const cached = this.#slices.get(key);
    if (cached) return cached;
    // Vectors of another dimension count come from another embedder: never compared.
    const rows = this.#sql
      .exec<IdRow>("SELECT id, codes FROM vectors WHERE fingerprint = ? AND dims = ?", fingerprint, dims)
      .toArray();
    const codes = new Int8Array(rows.length * dims);
    const factors = new Float32Array(rows.length);
    rows.forEach((row, i) => {
      const rowCodes = new Int8Array(row.codes);
      codes.set(rowCodes, i * dims);
      factors[i] = cosineFactor(rowCodes);
    });
    const slice = { dims, ids: rows.map((row) => row.id), codes, factors };
    this.#slices.set(key, slice);
    return slice;
  }
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
