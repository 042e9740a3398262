/**
 * @module `StatsShard`: one of {@link STATS_SHARDS} SQLite-backed Durable Objects that together hold the
 * deployment's statistics. Each isolate sends its batches to one shard it picked at random when it
 * started (so no shard receives every isolate's flush, see SCALING.md), every few seconds and never on
 * the hit path; reads ask every shard and add the answers up. Updates are upserts that add, in one
 * transaction per batch: concurrent batches never lose a count.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { HOUR_MS, type HourDelta, LATENCY_BOUNDS_MS, type StatsBatch } from "../stats/batch";

/** How many shards statistics are spread over. */
export const STATS_SHARDS = 16;
/** Hours of hourly counts a shard keeps (per-hour and per-day views need at most this). */
export const KEEP_HOURS = 24 * 31;

/** One hour's counts as a shard answers them. */
export interface HourRow extends HourDelta {
  hour: number;
}

/** One key's totals as a shard answers them. */
export interface KeyRow {
  key: string;
  namespace: string;
  hits: number;
  hitsL1: number;
  hitsL2: number;
  hitsL3: number;
  hitsL4: number;
  misses: number;
  lastAccess: number;
  size: number;
  upstreamMs: number;
  tokensSaved: number;
}

export interface ShardSummary {
  hours: HourRow[];
  topKeys: KeyRow[];
  keys: number;
}

export class StatsShard extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS key_stats (
      key TEXT PRIMARY KEY, namespace TEXT NOT NULL, hits_l1 INTEGER NOT NULL, hits_l2 INTEGER NOT NULL,
      hits_l3 INTEGER NOT NULL, hits_l4 INTEGER NOT NULL, misses INTEGER NOT NULL,
      last_access INTEGER NOT NULL, size INTEGER NOT NULL, upstream_ms REAL NOT NULL, tokens_saved INTEGER NOT NULL)`);
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS hourly (
      hour INTEGER PRIMARY KEY, hits INTEGER NOT NULL, misses INTEGER NOT NULL, upstream_calls INTEGER NOT NULL,
      upstream_errors INTEGER NOT NULL, tokens_saved INTEGER NOT NULL, latency TEXT NOT NULL)`);
  }

  /** Adds a batch. */
  ingest(batch: StatsBatch): void {
    this.ctx.storage.transactionSync(() => {
      for (const [key, d] of Object.entries(batch.keys)) {
        this.#sql.exec(
          `INSERT INTO key_stats VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(key) DO UPDATE SET hits_l1 = hits_l1 + excluded.hits_l1, hits_l2 = hits_l2 + excluded.hits_l2,
             hits_l3 = hits_l3 + excluded.hits_l3, hits_l4 = hits_l4 + excluded.hits_l4, misses = misses + excluded.misses,
             last_access = max(last_access, excluded.last_access),
             size = CASE WHEN excluded.size > 0 THEN excluded.size ELSE size END,
             upstream_ms = upstream_ms + excluded.upstream_ms, tokens_saved = tokens_saved + excluded.tokens_saved`,
          key,
          d.namespace,
          d.hits.l1,
          d.hits.l2,
          d.hits.l3,
          d.hits.l4,
          d.misses,
          d.lastAccess,
          d.size,
          d.upstreamMs,
          d.tokensSaved,
        );
      }
      for (const [hour, d] of Object.entries(batch.hours)) {
        const row = this.#sql
          .exec<{ latency: string }>("SELECT latency FROM hourly WHERE hour = ?", Number(hour))
          .toArray()[0];
        const latency = row
          ? (JSON.parse(row.latency) as number[])
          : new Array(LATENCY_BOUNDS_MS.length + 1).fill(0);
        d.latency.forEach((count, i) => {
          latency[i] = (latency[i] ?? 0) + count;
        });
        this.#sql.exec(
          `INSERT INTO hourly VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(hour) DO UPDATE SET hits = hits + excluded.hits, misses = misses + excluded.misses,
             upstream_calls = upstream_calls + excluded.upstream_calls,
             upstream_errors = upstream_errors + excluded.upstream_errors,
             tokens_saved = tokens_saved + excluded.tokens_saved, latency = excluded.latency`,
          Number(hour),
          d.hits,
          d.misses,
          d.upstreamCalls,
          d.upstreamErrors,
          d.tokensSaved,
          JSON.stringify(latency),
        );
      }
      this.#sql.exec("DELETE FROM hourly WHERE hour < ?", Date.now() - KEEP_HOURS * HOUR_MS);
    });
  }

  /** Hourly counts since `sinceHour`, the `top` keys by hits, and how many keys this shard has seen. */
  summary(sinceHour: number, top: number): ShardSummary {
    const hours = this.#sql
      .exec<{
        hour: number;
        hits: number;
        misses: number;
        upstream_calls: number;
        upstream_errors: number;
        tokens_saved: number;
        latency: string;
      }>("SELECT * FROM hourly WHERE hour >= ? ORDER BY hour", sinceHour)
      .toArray()
      .map((r) => ({
        hour: r.hour,
        hits: r.hits,
        misses: r.misses,
        upstreamCalls: r.upstream_calls,
        upstreamErrors: r.upstream_errors,
        tokensSaved: r.tokens_saved,
        latency: JSON.parse(r.latency) as number[],
      }));
    const topKeys = this.#sql
      .exec<Record<string, string | number>>(
        `SELECT key, namespace, hits_l1 + hits_l2 + hits_l3 + hits_l4 AS hits, hits_l1, hits_l2, hits_l3, hits_l4,
           misses, last_access, size, upstream_ms, tokens_saved FROM key_stats ORDER BY hits DESC LIMIT ?`,
        top,
      )
      .toArray()
      .map((r) => ({
        key: String(r.key),
        namespace: String(r.namespace),
        hits: Number(r.hits),
        hitsL1: Number(r.hits_l1),
        hitsL2: Number(r.hits_l2),
        hitsL3: Number(r.hits_l3),
        hitsL4: Number(r.hits_l4),
        misses: Number(r.misses),
        lastAccess: Number(r.last_access),
        size: Number(r.size),
        upstreamMs: Number(r.upstream_ms),
        tokensSaved: Number(r.tokens_saved),
      }));
    const keys = this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM key_stats").one().n;
    return { hours, topKeys, keys };
  }
}
