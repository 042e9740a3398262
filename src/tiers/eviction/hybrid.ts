/**
 * @module Hybrid eviction, after W-TinyLFU (Einziger, Friedman and Manes, "TinyLFU: A Highly Efficient
 * Cache Admission Policy", 2017; as in Caffeine): a small LRU window in front of a segmented LRU whose
 * door is kept by a frequency sketch.
 */
import { createFrequencySketch } from "./frequency-sketch";
import { type EvictionPolicy, oldest } from "./policy";

/** Share of the keys held in the admission window (Caffeine's initial 1%). */
const WINDOW_SHARE = 0.01;
/** Share of the main segment kept for keys read again while in it (Caffeine's 80%). */
const PROTECTED_SHARE = 0.8;

/**
 * W-TinyLFU over the keys L1 holds. New keys enter the window (LRU, 1% of the keys, at least one), so
 * a burst of fresh keys is served before anything judges it. When the window is full and L1 needs
 * room, its oldest key (the candidate) is weighed against the main segment's victim (the oldest key on
 * probation): the one the sketch has seen less often is evicted, ties keep the main key. A one-hit
 * wonder therefore never displaces a frequently used key, while a key that keeps coming back earns a
 * place even after it was evicted (the sketch remembers keys L1 no longer holds). The main segment is a
 * segmented LRU: probation for keys admitted, protected (80%) for keys read again there.
 *
 * The candidate moves into probation only when the next key arrives (`insert`), so naming a victim
 * changes nothing. The sketch counts every insert and read and has 4 one-byte counters per key held.
 */
export function createHybridPolicy(): EvictionPolicy {
  const window = new Set<string>();
  const probation = new Set<string>();
  const protectedKeys = new Set<string>();
  const sketch = createFrequencySketch();

  const held = () => window.size + probation.size + protectedKeys.size;
  const windowTarget = () => Math.max(1, Math.floor(held() * WINDOW_SHARE));
  /** Moves the window's overflow to probation and the protected overflow back to probation. */
  const settle = (): void => {
    for (let key = oldest(window); key !== undefined && window.size > windowTarget(); key = oldest(window)) {
      window.delete(key);
      probation.add(key);
    }
    const protectedTarget = Math.floor((held() - window.size) * PROTECTED_SHARE);
    for (let key = oldest(protectedKeys); key !== undefined && protectedKeys.size > protectedTarget; ) {
      protectedKeys.delete(key);
      probation.add(key);
      key = oldest(protectedKeys);
    }
  };

  return {
    name: "hybrid",
    insert(key) {
      if (window.has(key) || probation.has(key) || protectedKeys.has(key)) return this.access(key);
      sketch.ensureCapacity(held() + 1);
      sketch.increment(key);
      window.add(key);
      settle();
    },
    access(key) {
      if (window.delete(key)) window.add(key);
      else if (protectedKeys.delete(key)) protectedKeys.add(key);
      else if (probation.delete(key)) protectedKeys.add(key);
      else return this.insert(key);
      sketch.increment(key);
      settle();
    },
    remove(key) {
      if (!window.delete(key) && !probation.delete(key)) protectedKeys.delete(key);
    },
    victim() {
      const main = oldest(probation) ?? oldest(protectedKeys);
      const candidate = oldest(window);
      if (main === undefined || candidate === undefined) return main ?? candidate;
      // Room in the window: the next key joins it without pushing a candidate out.
      if (window.size < windowTarget()) return main;
      return sketch.estimate(candidate) > sketch.estimate(main) ? main : candidate;
    },
    clear() {
      for (const segment of [window, probation, protectedKeys]) segment.clear();
      sketch.clear();
    },
    get remembered() {
      return held();
    },
  };
}
