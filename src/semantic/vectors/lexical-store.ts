/**
 * @module The lexical index of one vector shard: an SQLite FTS5 table (BM25) over the folded question
 * of every entry of the namespace, beside the vectors. DO SQLite allows FTS5 and no other virtual
 * table module (workerd's SQLite authorizer; `bm25` and `match` are on its function allow-list).
 *
 * It keeps only id, fingerprint, age and folded text, so it can cover every entry of the namespace
 * even where the shard keeps just the newest vectors (the read-your-writes window in front of
 * Vectorize). Bounded like the vectors: the oldest rows go first beyond the cap. A shard written before
 * this index existed is indexed from its stored vectors on its next start (20,000 rows took 1.6 s in
 * local workerd; it runs once, inside the shard's blockConcurrencyWhile).
 */
import { foldForIndex, ftsMatchExpression, type LexicalTerm } from "./lexical-query";

/** A stored question to index. */
export interface LexicalRow {
  id: string;
  fingerprint: string;
  text: string;
  createdAt: number;
}

/** A row found by {@link LexicalStore.search}. */
export interface LexicalHit {
  id: string;
  /** The folded text as indexed. */
  folded: string;
  createdAt: number;
  /** FTS5 `bm25()` of the question column: lower is more relevant (it is negative). */
  bm25: number;
}

/** Bumped when the schema or the folding changes: the next start re-indexes from the vectors. */
const LEXICAL_VERSION = 1;
/** Rows read per backfill batch, so one statement never materialises a whole shard. */
const BACKFILL_BATCH = 500;

type SeqRow = { seq: number };

/** The lexical rows of one shard, in the shard's own SQLite database. */
export class LexicalStore {
  readonly #sql: SqlStorage;
  /** Row count, kept in memory like the vector count: COUNT(*) would read every row. */
  #rows = 0;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /**
   * Creates the tables if missing (safe on every start of an existing shard) and, once per
   * {@link LEXICAL_VERSION}, indexes the rows `existing` pages through (the shard's stored vectors,
   * by rowid after `afterRowid`): shards written before lexical search get their texts indexed on
   * first use.
   */
  migrate(existing: (afterRowid: number, limit: number) => Array<LexicalRow & { rowid: number }>): void {
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS lexical_docs (
      seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, fingerprint TEXT NOT NULL, created_at INTEGER NOT NULL)`);
    this.#sql.exec("CREATE INDEX IF NOT EXISTS lexical_docs_by_age ON lexical_docs (created_at)");
    // rowid = lexical_docs.seq. The fingerprint is indexed too, so a match is only scored within its context.
    this.#sql.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS lexical_fts USING fts5(
      fingerprint, question, tokenize = 'unicode61 remove_diacritics 2')`);
    this.#sql.exec("CREATE TABLE IF NOT EXISTS shard_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    const version = this.#sql
      .exec<{ value: number }>("SELECT value FROM shard_meta WHERE key = 'lexical_version'")
      .toArray()[0]?.value;
    this.#rows = this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM lexical_docs").one().n;
    if (version === LEXICAL_VERSION) return;
    // Upserts by id: rows already indexed (of entries whose vectors were evicted since) stay.
    for (let after = -1; ; ) {
      const page = existing(after, BACKFILL_BATCH);
      for (const row of page) this.write(row);
      if (page.length < BACKFILL_BATCH) break;
      after = page[page.length - 1]?.rowid ?? after;
    }
    this.#sql.exec(
      "INSERT OR REPLACE INTO shard_meta (key, value) VALUES ('lexical_version', ?)",
      LEXICAL_VERSION,
    );
  }

  /** Inserts or replaces one row by id; returns whether the id is new. */
  write(row: LexicalRow): boolean {
    const old = this.#sql
      .exec<SeqRow>("DELETE FROM lexical_docs WHERE id = ? RETURNING seq", row.id)
      .toArray();
    for (const { seq } of old) this.#sql.exec("DELETE FROM lexical_fts WHERE rowid = ?", seq);
    const { seq } = this.#sql
      .exec<SeqRow>(
        "INSERT INTO lexical_docs (id, fingerprint, created_at) VALUES (?, ?, ?) RETURNING seq",
        row.id,
        row.fingerprint,
        row.createdAt,
      )
      .one();
    this.#sql.exec(
      "INSERT INTO lexical_fts (rowid, fingerprint, question) VALUES (?, ?, ?)",
      seq,
      row.fingerprint,
      foldForIndex(row.text),
    );
    if (old.length === 0) this.#rows++;
    return old.length === 0;
  }

  /** Removes rows by id; returns how many existed. */
  delete(ids: readonly string[]): number {
    let removed = 0;
    for (const id of ids) {
      for (const { seq } of this.#sql.exec<SeqRow>(
        "DELETE FROM lexical_docs WHERE id = ? RETURNING seq",
        id,
      )) {
        this.#sql.exec("DELETE FROM lexical_fts WHERE rowid = ?", seq);
        removed++;
      }
    }
    this.#rows -= removed;
    return removed;
  }

  /** Drops the oldest rows beyond `maxRows` (ties by insertion order); returns how many. */
  evict(maxRows: number): number {
    const excess = this.#rows - maxRows;
    if (excess <= 0) return 0;
    const oldest = "SELECT seq FROM lexical_docs ORDER BY created_at, seq LIMIT ?";
    this.#sql.exec(`DELETE FROM lexical_fts WHERE rowid IN (${oldest})`, excess);
    const gone = this.#sql
      .exec<SeqRow>(`DELETE FROM lexical_docs WHERE seq IN (${oldest}) RETURNING seq`, excess)
      .toArray().length;
    this.#rows -= gone;
    return gone;
  }

  /** Removes every row. */
  clear(): void {
    this.#sql.exec("DELETE FROM lexical_fts");
    this.#sql.exec("DELETE FROM lexical_docs");
    this.#rows = 0;
  }

  /** Number of rows. */
  count(): number {
    return this.#rows;
  }

  /** The `topK` rows of `fingerprint` sharing the most relevant terms, best (lowest bm25) first. */
  search(fingerprint: string, terms: readonly LexicalTerm[], topK: number): LexicalHit[] {
    const match = ftsMatchExpression(fingerprint, terms);
    if (match === undefined || topK <= 0) return [];
    // The fingerprint column weighs 0: it filters, the question's terms rank.
    const rows = this.#sql.exec<{ id: string; folded: string; created_at: number; bm25: number }>(
      `SELECT d.id AS id, lexical_fts.question AS folded, d.created_at AS created_at,
         bm25(lexical_fts, 0.0, 1.0) AS bm25
       FROM lexical_fts JOIN lexical_docs AS d ON d.seq = lexical_fts.rowid
       WHERE lexical_fts MATCH ? AND d.fingerprint = ?
       ORDER BY bm25 LIMIT ?`,
      match,
      fingerprint,
      topK,
    );
    return rows.toArray().map((r) => ({ id: r.id, folded: r.folded, createdAt: r.created_at, bm25: r.bm25 }));
  }
}
