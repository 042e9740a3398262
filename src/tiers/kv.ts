/** @module L2: Workers KV, with the entry metadata in KV metadata and a TTL per value. */
import { type EntryMeta, type KeyPage, type StoredEntry, type Tier, USAGE_MAX_PAGES } from "./types";

export interface KvTierOptions {
  ttlSeconds: number;
  /** Key prefix, so the cache can share a namespace with other data. @default "e:" */
  prefix?: string;
  now?: () => number;
}

/** KV refuses expirations under 60 s (https://developers.cloudflare.com/kv/api/write-key-value-pairs/). */
export const KV_MIN_TTL_SECONDS = 60;

/** Creates the KV tier over a bound namespace. */
export function createKvTier(kv: KVNamespace, options: KvTierOptions): Tier {
  const prefix = options.prefix ?? "e:";
  const now = options.now ?? Date.now;

  return {
    name: "l2",
    async get(key) {
      const { value, metadata } = await kv.getWithMetadata<EntryMeta>(prefix + key, "arrayBuffer");
      if (value === null || metadata === null) return null;
      if (metadata.expiresAt !== null && metadata.expiresAt <= now()) return null;
      return { body: new Uint8Array(value), meta: metadata };
    },
    async set(key, entry: StoredEntry) {
      const untilExpiry = entry.meta.expiresAt === null ? Infinity : (entry.meta.expiresAt - now()) / 1000;
      const ttl = Math.ceil(Math.min(options.ttlSeconds, untilExpiry));
      if (ttl <= 0) return;
      // Below KV's minimum the value outlives its expiry by a little; `get` checks expiresAt itself.
      await kv.put(prefix + key, entry.body, {
        expirationTtl: Math.max(KV_MIN_TTL_SECONDS, ttl),
        metadata: entry.meta,
      });
    },
    async delete(key) {
      await kv.delete(prefix + key);
    },
    async listKeys(cursor, limit): Promise<KeyPage> {
      // KV lists at most 1000 keys per call; the metadata rides along.
      const page = await kv.list<EntryMeta>({ prefix, cursor, limit: Math.min(1000, Math.max(1, limit)) });
      return {
        keys: page.keys.map((k) => ({
          key: k.name.slice(prefix.length),
          writtenAt: k.metadata?.createdAt ?? 0,
        })),
        cursor: page.list_complete ? undefined : page.cursor,
      };
    },
    async usage(namespace) {
      // KV has no count: list pages (1000 keys each, metadata included) up to a bound.
      let entries = 0;
      let bytes = 0;
      let cursor: string | undefined;
      for (let page = 0; page < USAGE_MAX_PAGES; page++) {
        const listed = await kv.list<EntryMeta>({ prefix, cursor });
        for (const k of listed.keys) {
          if (namespace !== undefined && k.metadata?.namespace !== namespace) continue;
          entries++;
          bytes += k.metadata?.storedSize ?? 0;
        }
        if (listed.list_complete) break;
        cursor = listed.cursor;
      }
      return { entries, bytes };
    },
    async clear(namespace) {
      let removed = 0;
      let cursor: string | undefined;
      do {
        const page = await kv.list<EntryMeta>({ prefix, cursor });
        const doomed = page.keys.filter(
          (k) => namespace === undefined || k.metadata?.namespace === namespace,
        );
        await Promise.all(doomed.map((k) => kv.delete(k.name)));
        removed += doomed.length;
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor);
      return removed;
    },
  };
}
