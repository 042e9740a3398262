/** @module L4: R2, the archive of large and old entries; metadata rides in R2 custom metadata. */
import { type Codec, type EntryMeta, type Tier, type TierUsage, USAGE_MAX_PAGES } from "./types";

export interface R2TierOptions {
  ttlSeconds: number;
  /** Object key prefix. @default "entries/" */
  prefix?: string;
  now?: () => number;
}

/** R2 custom metadata is string-valued; these are the fields of {@link EntryMeta} plus when we stored it. */
type R2Meta = Record<keyof EntryMeta | "storedAt", string>;

function toCustomMetadata(meta: EntryMeta, storedAt: number): R2Meta {
  return {
    codec: meta.codec,
    checksum: meta.checksum,
    size: String(meta.size),
    storedSize: String(meta.storedSize),
    createdAt: String(meta.createdAt),
    expiresAt: meta.expiresAt === null ? "" : String(meta.expiresAt),
    namespace: meta.namespace,
    storedAt: String(storedAt),
  };
}

function fromCustomMetadata(m: Record<string, string>): EntryMeta & { storedAt: number } {
  return {
    codec: (m.codec ?? "none") as Codec,
    checksum: m.checksum ?? "",
    size: Number(m.size),
    storedSize: Number(m.storedSize),
    createdAt: Number(m.createdAt),
    expiresAt: m.expiresAt ? Number(m.expiresAt) : null,
    namespace: m.namespace ?? "",
    storedAt: Number(m.storedAt),
  };
}

/** Creates the R2 tier over a bound bucket. */
export function createR2Tier(bucket: R2Bucket, options: R2TierOptions): Tier {
  const prefix = options.prefix ?? "entries/";
  const now = options.now ?? Date.now;

  /** Past the entry's own expiry or the tier's TTL. */
  const isDead = (meta: EntryMeta, storedAt: number, t: number): boolean =>
    (meta.expiresAt !== null && meta.expiresAt <= t) || storedAt + options.ttlSeconds * 1000 <= t;

  /** Deletes every entry object the predicate picks, a listing page at a time; returns how many. */
  async function deleteWhere(doomed: (object: R2Object) => boolean): Promise<number> {
    let removed = 0;
    let cursor: string | undefined;
    do {
      const page = await bucket.list({ prefix, cursor, include: ["customMetadata"] });
      const keys = page.objects.filter(doomed).map((o) => o.key);
      // R2 deletes up to 1000 keys per call (https://developers.cloudflare.com/r2/api/workers/workers-api-reference/).
      if (keys.length > 0) await bucket.delete(keys);
      removed += keys.length;
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    return removed;
  }

  return {
    name: "l4",
    async get(key) {
      const object = await bucket.get(prefix + key);
      if (!object) return null;
      const { storedAt, ...meta } = fromCustomMetadata(object.customMetadata ?? {});
      if (isDead(meta, storedAt, now())) return null;
      return { body: new Uint8Array(await object.arrayBuffer()), meta };
    },
    async set(key, entry, setOptions) {
      await bucket.put(prefix + key, entry.body, {
        customMetadata: toCustomMetadata(entry.meta, setOptions?.storedAt ?? now()),
        // No contentEncoding: the body is decoded by our codec, never by an HTTP client.
        httpMetadata: { contentType: "application/octet-stream" },
      });
    },
    async delete(key) {
      await bucket.delete(prefix + key);
    },
    async clear(namespace) {
      return deleteWhere((o) => namespace === undefined || o.customMetadata?.namespace === namespace);
    },
    async purgeExpired() {
      const t = now();
      return deleteWhere((o) => {
        const { storedAt, ...meta } = fromCustomMetadata(o.customMetadata ?? {});
        return isDead(meta, storedAt, t);
      });
    },
    async listKeys(cursor, limit) {
      // R2 lists at most 1000 objects per call.
      const page = await bucket.list({ prefix, cursor, limit: Math.min(1000, Math.max(1, limit)) });
      return {
        keys: page.objects.map((o) => ({ key: o.key.slice(prefix.length), writtenAt: o.uploaded.getTime() })),
        cursor: page.truncated ? page.cursor : undefined,
      };
    },
    async usage(namespace): Promise<TierUsage> {
      let entries = 0;
      let bytes = 0;
      let cursor: string | undefined;
      for (let pages = 0; pages < USAGE_MAX_PAGES; pages++) {
        const page = await bucket.list({ prefix, cursor, include: ["customMetadata"] });
        for (const o of page.objects) {
          if (namespace !== undefined && o.customMetadata?.namespace !== namespace) continue;
          entries++;
          bytes += o.size;
        }
        if (!page.truncated) break;
        cursor = page.cursor;
      }
      return { entries, bytes };
    },
  };
}
