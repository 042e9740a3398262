/**
 * @module Adaptive eviction, after ARC (Megiddo and Modha, "ARC: A Self-Tuning, Low Overhead
 * Replacement Cache", FAST 2003): recency and frequency lists balanced by what was evicted too early.
 */
import { type EvictionPolicy, oldest } from "./policy";

/**
 * ARC over the keys L1 holds. T1 holds keys seen once since they entered, T2 keys seen again; B1 and B2
 * remember the keys recently evicted from each (keys only, no bodies). A key that comes back while in
 * B1 was evicted by recency too early, so the target size `p` of T1 grows; one back from B2 shrinks it.
 * The victim is T1's oldest while T1 is over `p`, else T2's oldest. A one-time scan therefore only
 * cycles through T1 and never flushes T2's frequently used keys.
 *
 * ARC counts capacity `c` in entries; L1 is bounded by bytes, so `c` is the number of keys held, which
 * is what fits when L1 evicts. Ghosts are bounded as in ARC: |T1| + |B1| <= c and all four lists <= 2c,
 * enforced on every insert (a removal without insert, as after a shrink, is trimmed on the next one).
 */
export function createAdaptivePolicy(): EvictionPolicy {
  const t1 = new Set<string>();
  const t2 = new Set<string>();
  const b1 = new Set<string>();
  const b2 = new Set<string>();
  let p = 0;

  const held = () => t1.size + t2.size;
  /** T1's target once `key` comes back: ARC's adaptation on a ghost hit, with c keys held. */
  const target = (key: string | undefined, c: number): number => {
    if (key !== undefined && b1.has(key)) return Math.min(c, p + Math.max(b2.size / b1.size, 1));
    if (key !== undefined && b2.has(key)) return Math.max(0, p - Math.max(b1.size / b2.size, 1));
    return p;
  };
  const dropOldest = (ghosts: Set<string>): void => void ghosts.delete(oldest(ghosts) ?? "");
  const trimGhosts = (): void => {
    const c = held();
    while (b1.size > 0 && t1.size + b1.size > c) dropOldest(b1);
    while (b2.size > 0 && c + b1.size + b2.size > 2 * c) dropOldest(b2);
  };

  return {
    name: "adaptive",
    insert(key) {
      if (t1.has(key) || t2.has(key)) return this.access(key);
      if (b1.has(key) || b2.has(key)) {
        p = target(key, held() + 1);
        b1.delete(key);
        b2.delete(key);
        t2.add(key);
      } else {
        t1.add(key);
      }
      trimGhosts();
    },
    access(key) {
      if (t1.delete(key) || t2.delete(key)) t2.add(key);
      else this.insert(key);
    },
    remove(key) {
      if (t1.delete(key)) b1.add(key);
      else if (t2.delete(key)) b2.add(key);
    },
    victim(incoming) {
      // ARC's REPLACE: `p` as it will be once `incoming` is inserted, without moving it yet.
      const goal = target(incoming, held());
      const recent = oldest(t1);
      const fromB2 = incoming !== undefined && b2.has(incoming);
      if (recent !== undefined && (t1.size > goal || (fromB2 && t1.size === goal))) return recent;
      return oldest(t2) ?? recent;
    },
    clear() {
      for (const list of [t1, t2, b1, b2]) list.clear();
      p = 0;
    },
    get remembered() {
      return t1.size + t2.size + b1.size + b2.size;
    },
  };
}
