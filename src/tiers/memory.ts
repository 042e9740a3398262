/**
 * @module L1: isolate memory, bounded by bytes, with a pluggable eviction policy (lru, lfu, adaptive or
 * hybrid: see ./eviction.ts) and a fair share per tenant namespace. Over budget, L1 evicts the policy's
 * victim unless that entry's tenant holds no more than its share (the budget divided by the tenants
 * holding entries); then it evicts the policy's victim among the entries of the tenant holding the most
 * bytes instead. So one tenant's load cannot push out another tenant that stays within its share, while
 * a single tenant, or tenants all over their share, are evicted in plain policy order.
 */
import { createEvictionPolicy, type EvictionPolicy, type EvictionPolicyName } from "./eviction";
import type { StoredEntry, Tier, TierUsage } from "./types";

export interface MemoryTierOptions {
  /** Budget for stored bodies plus a per-entry overhead estimate. */
  maxBytes: number;
  /** Entries stay at most this long in memory, whatever their own expiry. */
  ttlSeconds: number;
  /** @default "lru" */
  policy?: EvictionPolicyName;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/** Rough per-entry cost of the key, metadata and Map slots, so many tiny entries cannot overrun. */
const ENTRY_OVERHEAD_BYTES = 256;

interface Slot {
  entry: StoredEntry;
  bytes: number;
  tenant: string;
  /** Epoch ms after which the slot is dead (tier TTL or entry expiry, whichever is first). */
  deadline: number;
  /** Epoch ms of the last read or write, for demotion of idle entries. */
  lastAccessAt: number;
  /** Order of the last read or write among all of L1's accesses (the clock may not move). */
  seq: number;
  /** Reads since the entry was stored. */
  reads: number;
}

/** Reads replayed per entry into a new policy: enough for frequency to tell hot from cold. */
const WARM_READS = 4;

/** The entry L1 is making room for. */
interface Incoming {
  key: string;
  tenant: string;
  bytes: number;
}

/** One tenant namespace's part of L1: its bytes, and its entries in policy order. */
interface TenantShare {
  bytes: number;
  entries: number;
  policy: EvictionPolicy;
}

export interface MemoryTier extends Tier {
  usage(namespace?: string): Promise<TierUsage>;
  /** Entries and bytes one tenant namespace holds. */
  usageOf(namespace: string): TierUsage;
  /** Switches the eviction policy, keeping the entries (their history starts afresh). */
  setPolicy(policy: EvictionPolicyName): void;
  /** Changes the byte budget, evicting at once if the new one is smaller. */
  resize(maxBytes: number, ttlSeconds?: number): void;
  /**
   * Up to `limit` entries not read or written since `before` (epoch ms), oldest access first, without
   * counting as an access: what demotion moves down.
   */
  idleEntries(before: number, limit: number): Array<{ key: string; entry: StoredEntry }>;
  readonly policy: string;
  readonly evictions: number;
}

/** Creates an L1 tier. Keep one per isolate: it lives as long as the isolate does. */
export function createMemoryTier(options: MemoryTierOptions): MemoryTier {
  const now = options.now ?? Date.now;
  let { maxBytes, ttlSeconds } = options;
  let policyName = options.policy ?? "lru";
  let policy = createEvictionPolicy(policyName);
  const slots = new Map<string, Slot>();
  // One entry per namespace holding entries in this isolate; bounded by the configured client keys.
  const tenants = new Map<string, TenantShare>();
  let bytes = 0;
  let evictions = 0;
  let accesses = 0;

  const shareOf = (tenant: string): TenantShare => {
    let share = tenants.get(tenant);
    if (!share) {
      share = { bytes: 0, entries: 0, policy: createEvictionPolicy(policyName) };
      tenants.set(tenant, share);
    }
    return share;
  };
  const drop = (key: string): void => {
    const slot = slots.get(key);
    if (!slot) return;
    slots.delete(key);
    policy.remove(key);
    bytes -= slot.bytes;
    const share = shareOf(slot.tenant);
    share.policy.remove(key);
    share.bytes -= slot.bytes;
    if (--share.entries === 0) tenants.delete(slot.tenant);
  };
  /**
   * The next entry to evict to make room for `incoming` (see the module comment). The incoming entry
   * counts towards its tenant, so a tenant cannot claim a share it is about to exceed.
   */
  const victim = (incoming?: Incoming): string | undefined => {
    const candidate = policy.victim(incoming?.key);
    const owner = candidate === undefined ? undefined : slots.get(candidate)?.tenant;
    if (owner === undefined) return candidate;
    const weight = (tenant: string) =>
      (tenants.get(tenant)?.bytes ?? 0) + (tenant === incoming?.tenant ? incoming.bytes : 0);
    const holders = tenants.size + (incoming === undefined || tenants.has(incoming.tenant) ? 0 : 1);
    if (weight(owner) > maxBytes / holders) return candidate;
    // O(tenants) per eviction, and only when the policy's choice would cut a tenant within its share.
    let heaviest: string | undefined;
    for (const tenant of tenants.keys()) {
      if (heaviest === undefined || weight(tenant) > weight(heaviest)) heaviest = tenant;
    }
    return (heaviest && tenants.get(heaviest)?.policy.victim(incoming?.key)) ?? candidate;
  };
  const usageOf = (namespace: string): TierUsage => {
    const share = tenants.get(namespace);
    return { entries: share?.entries ?? 0, bytes: share?.bytes ?? 0 };
  };
  const shrinkTo = (budget: number, incoming?: Incoming): void => {
    while (bytes > budget) {
      const key = victim(incoming);
      if (key === undefined) break;
      drop(key);
      evictions++;
    }
  };

  return {
    name: "l1",
    get policy() {
      return policy.name;
    },
    get evictions() {
      return evictions;
    },
    idleEntries(before, limit) {
      const idle: Array<{ key: string; entry: StoredEntry; at: number }> = [];
      for (const [key, slot] of slots) {
        if (slot.lastAccessAt < before) idle.push({ key, entry: slot.entry, at: slot.lastAccessAt });
      }
      return idle
        .sort((a, b) => a.at - b.at)
        .slice(0, limit)
        .map(({ key, entry }) => ({ key, entry }));
    },
    async get(key) {
      const slot = slots.get(key);
      if (!slot) return null;
      if (slot.deadline <= now()) {
        drop(key);
        return null;
      }
      policy.access(key);
      shareOf(slot.tenant).policy.access(key);
      slot.lastAccessAt = now();
      slot.seq = ++accesses;
      slot.reads++;
      return slot.entry;
    },
    async set(key, entry) {
      const size = entry.body.byteLength + ENTRY_OVERHEAD_BYTES;
      const tenant = entry.meta.namespace;
      drop(key);
      if (size > maxBytes) return;
      shrinkTo(maxBytes - size, { key, tenant, bytes: size });
      const deadline = Math.min(now() + ttlSeconds * 1000, entry.meta.expiresAt ?? Number.POSITIVE_INFINITY);
      slots.set(key, {
        entry,
        bytes: size,
        tenant,
        deadline,
        lastAccessAt: now(),
        seq: ++accesses,
        reads: 0,
      });
      policy.insert(key);
      bytes += size;
      const share = shareOf(tenant);
      share.policy.insert(key);
      share.bytes += size;
      share.entries++;
    },
    async delete(key) {
      drop(key);
    },
    async clear(namespace) {
      let removed = 0;
      for (const [key, slot] of slots) {
        if (namespace === undefined || slot.tenant === namespace) {
          drop(key);
          removed++;
        }
      }
      return removed;
    },
    async usage(namespace): Promise<TierUsage> {
      return namespace === undefined ? { entries: slots.size, bytes } : usageOf(namespace);
    },
    usageOf,
    setPolicy(name) {
      if (name === policy.name) return;
      policyName = name;
      policy = createEvictionPolicy(name);
      for (const share of tenants.values()) share.policy = createEvictionPolicy(name);
      // The new policy starts warm: entries in the order they were last used, each read again up to
      // a few times, so recency and frequency survive the switch instead of starting from nothing.
      const byUse = [...slots].sort(([, a], [, b]) => a.seq - b.seq);
      for (const [key, slot] of byUse) {
        const share = shareOf(slot.tenant);
        policy.insert(key);
        share.policy.insert(key);
        for (let i = 0; i < Math.min(slot.reads, WARM_READS); i++) {
          policy.access(key);
          share.policy.access(key);
        }
      }
    },
    resize(newMax, newTtl) {
      maxBytes = newMax;
      if (newTtl !== undefined) ttlSeconds = newTtl;
      shrinkTo(maxBytes);
    },
  };
}
