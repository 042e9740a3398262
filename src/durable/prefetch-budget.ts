/**
 * @module `PrefetchBudget`: the deployment's one ledger of prefetch upstream calls
 * (`idFromName(PREFETCH_BUDGET_NAME)`). Every prefetch is granted here first, so the calls of the last
 * hour never pass `prefetchPerHour` however many isolates and namespaces ask at once: a grant is one
 * synchronous SQLite transaction, and a Durable Object runs one such call at a time. It also keeps the
 * deployment's precision counts (prefetched entries, and how many a client later hit) per namespace.
 * Claims come only from namespaces' `Prefetcher`s with a candidate that passed its thresholds and is not
 * cached: far fewer than lookups.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import type { PrefetchCounts } from "../prefetch/batch";

/** The ledger's name. */
export const PREFETCH_BUDGET_NAME = "prefetch-budget";
/** The budget's window: grants of the last hour count against `prefetchPerHour`. */
export const BUDGET_WINDOW_MS = 3_600_000;

/** What `/admin/stats` shows of prefetch for the deployment. */
export interface PrefetchLedger extends PrefetchCounts {
  /** Upstream calls granted in the last hour. */
  callsLastHour: number;
  namespaces: Array<PrefetchCounts & { namespace: string }>;
}

export class PrefetchBudget extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec("CREATE TABLE IF NOT EXISTS grants (at INTEGER NOT NULL, n INTEGER NOT NULL)");
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS counts (
      namespace TEXT PRIMARY KEY, prefetched INTEGER NOT NULL, hits INTEGER NOT NULL)`);
  }

  /**
   * Grants up to `wanted` upstream calls to `namespace`, as many as the last hour's grants leave of
   * `perHour`; answers how many. Granted calls count as prefetched entries.
   */
  claim(namespace: string, wanted: number, perHour: number, now = Date.now()): number {
    return this.ctx.storage.transactionSync(() => {
      this.#sql.exec("DELETE FROM grants WHERE at <= ?", now - BUDGET_WINDOW_MS);
      const used = this.#used(now);
      const granted = Math.max(0, Math.min(Math.floor(wanted), perHour - used));
      if (granted === 0) return 0;
      this.#sql.exec("INSERT INTO grants VALUES (?, ?)", now, granted);
      this.#add(namespace, granted, 0);
      return granted;
    });
  }

  /** Counts `n` prefetched entries of `namespace` hit for the first time. */
  hit(namespace: string, n: number): void {
    if (n > 0) this.#add(namespace, 0, n);
  }

  summary(now = Date.now()): PrefetchLedger {
    const namespaces = this.#sql
      .exec<{ namespace: string; prefetched: number; hits: number }>(
        "SELECT namespace, prefetched, hits FROM counts ORDER BY namespace",
      )
      .toArray()
      .map((row) => ({ ...row }));
    return {
      callsLastHour: this.#used(now),
      prefetched: namespaces.reduce((a, n) => a + n.prefetched, 0),
      hits: namespaces.reduce((a, n) => a + n.hits, 0),
      namespaces,
    };
  }

  /** Forgets grants and counts (tests). */
  reset(): void {
    this.#sql.exec("DELETE FROM grants");
    this.#sql.exec("DELETE FROM counts");
  }

  #used(now: number): number {
    return this.#sql
      .exec<{ n: number }>("SELECT coalesce(sum(n), 0) AS n FROM grants WHERE at > ?", now - BUDGET_WINDOW_MS)
      .one().n;
  }

  #add(namespace: string, prefetched: number, hits: number): void {
    this.#sql.exec(
      `INSERT INTO counts VALUES (?, ?, ?) ON CONFLICT(namespace) DO UPDATE SET
         prefetched = prefetched + excluded.prefetched, hits = hits + excluded.hits`,
      namespace,
      prefetched,
      hits,
    );
  }
}
