/** @module LRU eviction: the key read least recently goes first. */
import { type EvictionPolicy, oldest } from "./policy";

/** Least recently used: a Set keeps insertion order, so re-adding a key on access moves it to the back. */
export function createLruPolicy(): EvictionPolicy {
  const order = new Set<string>();
  return {
    name: "lru",
    insert: (key) => void order.add(key),
    access(key) {
      order.delete(key);
      order.add(key);
    },
    remove: (key) => void order.delete(key),
    victim: () => oldest(order),
    clear: () => order.clear(),
    get remembered() {
      return order.size;
    },
  };
}
