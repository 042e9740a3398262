/** @module L3: D1 through drizzle-orm, the durable index of every entry and the body when it fits a row. */
import { and, eq, lt, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { entries } from "../db/schema";
import type { Tier, TierUsage } from "./types";

export interface D1TierOptions {
  ttlSeconds: number;
  /**
   * Largest body kept in the row. D1 caps a row at 2 MB
   * (https://developers.cloudflare.com/d1/platform/limits/); bigger bodies live in R2 and the row
   * stays as their index.
   */
  maxBodyBytes: number;
  now?: () => number;
}

/**
 * Hit statistics wait in isolate memory and reach D1 as one batch at most every few seconds: one
 * write per hit would cost more than the hit. A hit counted here and lost with the isolate is a
 * statistic, never an answer.
 */
const pendingHits = new Map<string, { count: number; at: number }>();
let lastFlushAt = 0;
const HIT_FLUSH_INTERVAL_MS = 5_000;
const HIT_FLUSH_MAX_KEYS = 200;

/** Creates the D1 tier over a bound database. */
export function createD1Tier(d1: D1Database, options: D1TierOptions): Tier {
  const db = drizzle(d1);
  const now = options.now ?? Date.now;

  return {
    name: "l3",
    async get(key) {
      const [row] = await db.select().from(entries).where(eq(entries.key, key)).limit(1);
      if (row?.location !== "l3" || !row.body) return null;
      const t = now();
      if ((row.expiresAt !== null && row.expiresAt <= t) || row.storedAt + options.ttlSeconds * 1000 <= t) {
        return null;
      }
      const { codec, checksum, size, storedSize, createdAt, expiresAt, namespace } = row;
      return { body: row.body, meta: { codec, checksum, size, storedSize, createdAt, expiresAt, namespace } };
    },
    async set(key, entry, setOptions) {
      const inRow = entry.body.byteLength <= options.maxBodyBytes;
      const values = {
        key,
        ...entry.meta,
        model: setOptions?.info?.model ?? "",
        prompt: setOptions?.info?.prompt ?? "",
        body: inRow ? entry.body : null,
        location: inRow ? ("l3" as const) : ("l4" as const),
        storedAt: setOptions?.storedAt ?? now(),
      };
      // A rewrite (refresh, back-fill from R2) keeps the entry's hit statistics.
      const { key: _key, ...update } = values;
      await db.insert(entries).values(values).onConflictDoUpdate({ target: entries.key, set: update });
    },
    async delete(key) {
      await db.delete(entries).where(eq(entries.key, key));
    },
    async clear(namespace) {
      const where = namespace === undefined ? undefined : eq(entries.namespace, namespace);
      const result = await db.delete(entries).where(where);
      return result.meta.changes;
    },
    async usage(namespace): Promise<TierUsage> {
      const [row] = await db
        .select({
          entries: sql<number>`coalesce(sum(${entries.location} = 'l3'), 0)`,
          bytes: sql<number>`coalesce(sum(case when ${entries.location} = 'l3' then ${entries.storedSize} end), 0)`,
        })
        .from(entries)
        .where(namespace === undefined ? undefined : eq(entries.namespace, namespace));
      return { entries: row?.entries ?? 0, bytes: row?.bytes ?? 0 };
    },
    async touch(key, at) {
      const pending = pendingHits.get(key);
      pendingHits.set(key, { count: (pending?.count ?? 0) + 1, at });
      if (at - lastFlushAt < HIT_FLUSH_INTERVAL_MS && pendingHits.size < HIT_FLUSH_MAX_KEYS) return;
      lastFlushAt = at;
      const batch = [...pendingHits].map(([k, hit]) =>
        db
          .update(entries)
          .set({ lastHitAt: hit.at, hitCount: sql`${entries.hitCount} + ${hit.count}`, l2DemotedAt: null })
          .where(eq(entries.key, k)),
      );
      pendingHits.clear();
      const [first, ...rest] = batch;
      if (first) await db.batch([first, ...rest]);
    },
    async purgeExpired() {
      const t = now();
      const expired = and(sql`${entries.expiresAt} is not null`, lt(entries.expiresAt, t));
      const tooOld = lt(entries.storedAt, t - options.ttlSeconds * 1000);
      const result = await db.delete(entries).where(sql`(${expired}) or (${tooOld})`);
      return result.meta.changes;
    },
  };
}
