/** @module The `Tier` interface every cache level implements (memory, KV, D1, R2). */

export type TierName = "l1" | "l2" | "l3" | "l4";
export const TIER_NAMES: readonly TierName[] = ["l1", "l2", "l3", "l4"];

/** Body encoding of a stored entry. */
export type Codec = "none" | "gzip" | "deflate";

/** What every tier stores beside the body; small enough for KV metadata (1024 bytes). */
export interface EntryMeta {
  codec: Codec;
  /** SHA-256 (hex) of the uncompressed body: a body that fails it is dropped, never served. */
  checksum: string;
  /** Uncompressed body size in bytes. */
  size: number;
  /** Stored (compressed) body size in bytes. */
  storedSize: number;
  /** Epoch ms when the answer was produced upstream. */
  createdAt: number;
  /** Epoch ms after which the entry must not be served; null = no expiry beyond the tier's own TTL. */
  expiresAt: number | null;
  namespace: string;
}

/** A cache entry as tiers see it: opaque (possibly compressed) bytes plus metadata. */
export interface StoredEntry {
  body: Uint8Array;
  meta: EntryMeta;
}

/** Extra facts the D1 index keeps about an entry (see src/db/schema.ts). */
export interface EntryIndexInfo {
  model: string;
  prompt: string;
}

export interface TierSetOptions {
  /** Index facts for tiers that keep them (D1). */
  info?: EntryIndexInfo;
  /** Keep this store time (epoch ms) rather than now: a maintenance rewrite must not make an entry look fresh. */
  storedAt?: number;
}

/**
 * `usage()` of a tier that must list to count (KV, R2) stops after this many pages (1000 keys each):
 * stats must stay cheap, so beyond ~50,000 entries the counts are a floor.
 */
export const USAGE_MAX_PAGES = 50;

export interface TierUsage {
  entries: number;
  bytes: number;
}

/** A page of {@link Tier.listKeys}. */
export interface KeyPage {
  keys: Array<{ key: string; writtenAt: number }>;
  cursor: string | undefined;
}

/**
 * One cache level. `get` returns null for a miss or an expired entry; a tier that cannot answer
 * throws, and the chain counts that as a tier error and goes on.
 */
export interface Tier {
  readonly name: TierName;
  get(key: string): Promise<StoredEntry | null>;
  set(key: string, entry: StoredEntry, options?: TierSetOptions): Promise<void>;
  delete(key: string): Promise<void>;
  /** Removes every entry (or those of one namespace); returns how many were removed when known. */
  clear?(namespace?: string): Promise<number | undefined>;
  /** Entry count and bytes stored (of one namespace, when given), when the backend can tell cheaply. */
  usage?(namespace?: string): Promise<TierUsage>;
  /** Deletes entries past their expiry or the tier's TTL, where the backend does not do it itself. */
  purgeExpired?(): Promise<number>;
  /**
   * One page of the keys this tier holds, for maintenance (defragment): each with when it was written
   * at the latest known (R2: the upload time; KV: the answer's `createdAt`, a lower bound). `cursor` is
   * the backend's own, opaque; undefined once the listing is done.
   */
  listKeys?(cursor: string | undefined, limit: number): Promise<KeyPage>;
  /** Records a hit (last hit time, hit count) where the tier keeps stats. */
  touch?(key: string, now: number): Promise<void>;
}
