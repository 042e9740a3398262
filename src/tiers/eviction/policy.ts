/** @module The interface every L1 eviction policy implements, and the policies' names. */

/** The policies L1 can run (`evictionPolicy` in the config). */
export type EvictionPolicyName = "lru" | "lfu" | "adaptive" | "hybrid";

/**
 * Tracks the keys L1 holds and names the next victim. L1 calls `victim` only when it is over budget,
 * then `remove`s the key it evicts (not always the one named: see the fair share in ../memory.ts), and
 * `insert`s the incoming key once there is room for it. Every method is O(1) (LFU: amortised).
 */
export interface EvictionPolicy {
  readonly name: EvictionPolicyName;
  /** A new key was stored. */
  insert(key: string): void;
  /** An existing key was read. */
  access(key: string): void;
  /** A key left L1: evicted, deleted, expired or about to be rewritten. */
  remove(key: string): void;
  /**
   * The key to evict next, or undefined when empty. `incoming` is the key L1 is making room for, when
   * there is one (ARC decides by it); naming a victim changes nothing until that key is removed.
   */
  victim(incoming?: string): string | undefined;
  clear(): void;
  /** Keys the policy keeps state for, held or (ARC's ghosts) evicted: its memory, bounded by what L1 holds. */
  readonly remembered: number;
}

/** The least recently used key of an insertion-ordered set (re-adding a key moves it to the back). */
export const oldest = (keys: Set<string>): string | undefined => keys.values().next().value;
