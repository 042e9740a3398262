/** @module L1: isolate memory, bounded by bytes, with a pluggable eviction policy. */
import { createEvictionPolicy, type EvictionPolicyName } from "./eviction";
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
  /** Epoch ms after which the slot is dead (tier TTL or entry expiry, whichever is first). */
  deadline: number;
}

export interface MemoryTier extends Tier {
  usage(): Promise<TierUsage>;
  /** Switches the eviction policy, keeping the entries (their history starts afresh). */
  setPolicy(policy: EvictionPolicyName): void;
  /** Changes the byte budget, evicting at once if the new one is smaller. */
  resize(maxBytes: number, ttlSeconds?: number): void;
  readonly policy: string;
  readonly evictions: number;
}

/** Creates an L1 tier. Keep one per isolate: it lives as long as the isolate does. */
export function createMemoryTier(options: MemoryTierOptions): MemoryTier {
  const now = options.now ?? Date.now;
  let { maxBytes, ttlSeconds } = options;
  let policy = createEvictionPolicy(options.policy ?? "lru");
  const slots = new Map<string, Slot>();
  let bytes = 0;
  let evictions = 0;

  const drop = (key: string): void => {
    const slot = slots.get(key);
    if (!slot) return;
    slots.delete(key);
    policy.remove(key);
    bytes -= slot.bytes;
  };
  const shrinkTo = (budget: number): void => {
    while (bytes > budget) {
      const victim = policy.victim();
      if (victim === undefined) break;
      drop(victim);
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
    async get(key) {
      const slot = slots.get(key);
      if (!slot) return null;
      if (slot.deadline <= now()) {
        drop(key);
        return null;
      }
      policy.access(key);
      return slot.entry;
    },
    async set(key, entry) {
      const size = entry.body.byteLength + ENTRY_OVERHEAD_BYTES;
      drop(key);
      if (size > maxBytes) return;
      shrinkTo(maxBytes - size);
      const deadline = Math.min(now() + ttlSeconds * 1000, entry.meta.expiresAt ?? Number.POSITIVE_INFINITY);
      slots.set(key, { entry, bytes: size, deadline });
      policy.insert(key);
      bytes += size;
    },
    async delete(key) {
      drop(key);
    },
    async clear(namespace) {
      let removed = 0;
      for (const [key, slot] of slots) {
        if (namespace === undefined || slot.entry.meta.namespace === namespace) {
          drop(key);
          removed++;
        }
      }
      return removed;
    },
    async usage(): Promise<TierUsage> {
      return { entries: slots.size, bytes };
    },
    setPolicy(name) {
      if (name === policy.name) return;
      policy = createEvictionPolicy(name);
      for (const key of slots.keys()) policy.insert(key);
    },
    resize(newMax, newTtl) {
      maxBytes = newMax;
      if (newTtl !== undefined) ttlSeconds = newTtl;
      shrinkTo(maxBytes);
    },
  };
}
