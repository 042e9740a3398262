/** @module LFU eviction: the key read least often goes first, the oldest among equals. */
import type { EvictionPolicy } from "./policy";

/**
 * Least frequently used with LRU among equals, in O(1): keys sit in buckets by hit count, each bucket
 * ordered by recency (Shah, Mitra and Matani, "An O(1) algorithm for implementing the LFU cache").
 */
export function createLfuPolicy(): EvictionPolicy {
  const counts = new Map<string, number>();
  const buckets = new Map<number, Set<string>>();
  let min = 0;

  const bucket = (count: number): Set<string> => {
    const existing = buckets.get(count);
    if (existing) return existing;
    const created = new Set<string>();
    buckets.set(count, created);
    return created;
  };
  const detach = (key: string, count: number): void => {
    const set = buckets.get(count);
    set?.delete(key);
    if (set?.size === 0) {
      buckets.delete(count);
      if (min === count) min = count + 1;
    }
  };

  return {
    name: "lfu",
    insert(key) {
      counts.set(key, 1);
      bucket(1).add(key);
      min = 1;
    },
    access(key) {
      const count = counts.get(key);
      if (count === undefined) return this.insert(key);
      detach(key, count);
      counts.set(key, count + 1);
      bucket(count + 1).add(key);
    },
    remove(key) {
      const count = counts.get(key);
      if (count === undefined) return;
      counts.delete(key);
      detach(key, count);
      if (buckets.size === 0) min = 0;
      else if (!buckets.has(min)) min = Math.min(...buckets.keys());
    },
    victim() {
      if (counts.size === 0) return undefined;
      if (!buckets.has(min)) min = Math.min(...buckets.keys());
      return buckets.get(min)?.values().next().value;
    },
    clear() {
      counts.clear();
      buckets.clear();
      min = 0;
    },
    get remembered() {
      return counts.size;
    },
  };
}
