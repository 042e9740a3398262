/**
 * @module `Prefetcher`: what one tenant namespace asks after what (`idFromName(prefetcherName(ns))`, one
 * object per namespace, so a tenant's prompts live only in its own object and no object sees every
 * tenant's traffic). Isolates send it the namespace's lookups with their statistics flush
 * (src/prefetch/flush.ts); it counts first-order transitions A -> B, keeps the request of each B, and
 * answers, for the keys just looked up, the successors that pass the thresholds and are not prefetched
 * already. Prefetches are granted by the deployment's `PrefetchBudget` and marked here, so the first
 * later hit of a prefetched entry counts toward precision. Every table is bounded.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import type { PrefetchBatch, PrefetchCandidate, PrefetchCounts, PrefetchPolicy } from "../prefetch/batch";
import { PREFETCH_BUDGET_NAME } from "./prefetch-budget";

/** Transitions kept per namespace: the least recently seen go first. */
export const MAX_TRANSITIONS = 20_000;
/** Successor requests kept per namespace (at most 16 KiB each): the least recently seen go first. */
export const MAX_REQUESTS = 5_000;
/** Prefetch marks kept per namespace. */
export const MAX_MARKS = 5_000;
/** Candidates answered per batch: the successors of the latest lookups. */
export const MAX_CANDIDATES = 8;
/**
 * A key prefetched this recently and not asked for since is not claimed again: its call may still be
 * running (an upstream call lasts at most `UPSTREAM_TIMEOUT_MS`, 2 minutes by default), or it failed, or
 * nobody wanted it. Once a client has asked for it (hit or not), or past this, a successor whose answer
 * expired or was evicted can be prefetched anew.
 */
export const PREFETCH_COOLDOWN_MS = 2 * 60_000;

export const prefetcherName = (namespace: string) => `prefetch:${namespace}`;

export class Prefetcher extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS transitions (from_key TEXT NOT NULL, to_key TEXT NOT NULL,
      count INTEGER NOT NULL, last_at INTEGER NOT NULL, PRIMARY KEY (from_key, to_key))`);
    this.#sql.exec("CREATE INDEX IF NOT EXISTS transitions_last ON transitions (last_at)");
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS requests (key TEXT PRIMARY KEY, params TEXT NOT NULL,
      last_at INTEGER NOT NULL)`);
    // state: 'out' (prefetched, not asked for since), 'hit' (a client hit it), 'missed' (asked, not served).
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS marks (key TEXT PRIMARY KEY, at INTEGER NOT NULL,
      state TEXT NOT NULL)`);
    this.#sql.exec("CREATE TABLE IF NOT EXISTS counts (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  }

  /**
   * Learns a batch of `namespace`'s lookups and marks the first hits of prefetched entries; with a
   * `policy` (prefetch on), answers the successors of the batch's latest lookups worth fetching.
   */
  async ingest(
    namespace: string,
    batch: PrefetchBatch,
    policy?: PrefetchPolicy,
    now = Date.now(),
  ): Promise<PrefetchCandidate[]> {
    const hits = this.ctx.storage.transactionSync(() => {
      this.#learn(batch);
      return this.#mark(batch);
    });
    if (hits > 0) await this.#budget().hit(namespace, hits);
    return policy ? this.#candidates(batch, policy, now) : [];
  }

  /**
   * Asks the budget for the prefetch of `keys` (successors found not cached) and marks the granted
   * ones; answers them. A key prefetched within {@link PREFETCH_COOLDOWN_MS} is not asked for again.
   */
  async claim(namespace: string, keys: string[], perHour: number, now = Date.now()): Promise<string[]> {
    // Reserved before the budget's answer: a concurrent claim of the same key sees the mark.
    const wanted = this.ctx.storage.transactionSync(() =>
      [...new Set(keys)].filter((key) => {
        if (this.#recentlyPrefetched(key, now)) return false;
        this.#sql.exec("INSERT OR REPLACE INTO marks VALUES (?, ?, 'out')", key, now);
        return true;
      }),
    );
    if (wanted.length === 0) return [];
    let granted = 0;
    try {
      granted = await this.#budget().claim(namespace, wanted.length, perHour, now);
    } finally {
      this.ctx.storage.transactionSync(() => {
        for (const key of wanted.slice(granted)) this.#sql.exec("DELETE FROM marks WHERE key = ?", key);
        this.#add("prefetched", granted);
        this.#sql.exec(
          "DELETE FROM marks WHERE key NOT IN (SELECT key FROM marks ORDER BY at DESC LIMIT ?)",
          MAX_MARKS,
        );
      });
    }
    return wanted.slice(0, granted);
  }

  /** This namespace's precision counts and what it has learnt. */
  summary(): PrefetchCounts & { transitions: number; requests: number } {
    const n = (table: string) => this.#sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n;
    return {
      prefetched: this.#get("prefetched"),
      hits: this.#get("hits"),
      transitions: n("transitions"),
      requests: n("requests"),
    };
  }

  #learn(batch: PrefetchBatch): void {
    const at = batch.accesses.at(-1)?.at ?? Date.now();
    for (const { from, to } of batch.transitions) {
      this.#sql.exec(
        `INSERT INTO transitions VALUES (?, ?, 1, ?)
         ON CONFLICT(from_key, to_key) DO UPDATE SET count = count + 1, last_at = excluded.last_at`,
        from,
        to,
        at,
      );
    }
    for (const [key, params] of Object.entries(batch.requests)) {
      this.#sql.exec(
        `INSERT INTO requests VALUES (?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET params = excluded.params, last_at = excluded.last_at`,
        key,
        params,
        at,
      );
    }
    this.#sql.exec(
      `DELETE FROM transitions WHERE rowid IN
         (SELECT rowid FROM transitions ORDER BY last_at DESC LIMIT -1 OFFSET ?)`,
      MAX_TRANSITIONS,
    );
    this.#sql.exec(
      "DELETE FROM requests WHERE key NOT IN (SELECT key FROM requests ORDER BY last_at DESC LIMIT ?)",
      MAX_REQUESTS,
    );
  }

  /** Settles the marks the batch's lookups answer: the first lookup after a prefetch hit it or not. */
  #mark(batch: PrefetchBatch): number {
    let hits = 0;
    for (const access of batch.accesses) {
      const key = access.hit ?? access.key;
      const mark = this.#sql
        .exec<{ at: number }>("SELECT at FROM marks WHERE key = ? AND state = 'out'", key)
        .toArray()[0];
      if (!mark || access.at < mark.at) continue;
      const state = access.hit ? "hit" : "missed";
      this.#sql.exec("UPDATE marks SET state = ? WHERE key = ?", state, key);
      if (access.hit) hits++;
    }
    this.#add("hits", hits);
    return hits;
  }

  #candidates(batch: PrefetchBatch, policy: PrefetchPolicy, now: number): PrefetchCandidate[] {
    const found = new Map<string, PrefetchCandidate>();
    // The latest lookups first: their successors are the ones about to be asked.
    const seen = new Set<string>();
    for (const access of [...batch.accesses].reverse()) {
      if (found.size >= MAX_CANDIDATES) break;
      if (seen.has(access.key)) continue;
      seen.add(access.key);
      const best = this.#sql
        .exec<{ to_key: string; count: number; total: number; params: string | null }>(
          `SELECT t.to_key, t.count, (SELECT sum(count) FROM transitions WHERE from_key = ?1) AS total,
             r.params FROM transitions t LEFT JOIN requests r ON r.key = t.to_key
           WHERE t.from_key = ?1 ORDER BY t.count DESC, t.last_at DESC LIMIT 1`,
          access.key,
        )
        .toArray()[0];
      if (!best?.params || seen.has(best.to_key) || found.has(best.to_key)) continue;
      const probability = best.count / best.total;
      if (best.count < policy.minCount || probability < policy.minProbability) continue;
      if (this.#recentlyPrefetched(best.to_key, now)) continue;
      found.set(best.to_key, { key: best.to_key, params: best.params, count: best.count, probability });
    }
    return [...found.values()];
  }

  #recentlyPrefetched(key: string, now: number): boolean {
    const mark = this.#sql
      .exec<{ at: number }>("SELECT at FROM marks WHERE key = ? AND state = 'out'", key)
      .toArray()[0];
    return mark !== undefined && now - mark.at < PREFETCH_COOLDOWN_MS;
  }

  #budget() {
    const budgets = this.env.PREFETCH_BUDGET;
    return budgets.get(budgets.idFromName(PREFETCH_BUDGET_NAME));
  }

  #get(name: string): number {
    return (
      this.#sql.exec<{ value: number }>("SELECT value FROM counts WHERE name = ?", name).toArray()[0]
        ?.value ?? 0
    );
  }

  #add(name: string, n: number): void {
    if (n === 0) return;
    this.#sql.exec(
      "INSERT INTO counts VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
      name,
      n,
    );
  }
}
