/** Scripted access traces for the auto-tuner's tests (keys are stand-ins for entry keys). */
import type { AccessSample } from "../../src/tuning/sample";

import { mulberry32 } from "../../src/upstream/simulator";

/** mulberry32: seeded, so each trace is the same on every run. */
export const seeded = mulberry32;

const sample = (key: string, at: number, size: number): AccessSample => ({ key, ns: "t", size, at });

/** `length` accesses cycling over `keys` keys in order: LRU and ARC never hit once it exceeds L1. */
export function loopTrace(keys: number, length: number, size: number, prefix = "loop"): AccessSample[] {
  return Array.from({ length }, (_, i) => sample(`${prefix}${i % keys}`, i, size));
}

/**
 * Recency bursts: each new key is asked again a few times within the next `reach` accesses, then
 * never: LRU and ARC hit alike (within a fraction of a point), frequency admission refuses the newcomers.
 */
export function burstTrace(length: number, reach: number, size: number, seed: number): AccessSample[] {
  const rand = seeded(seed);
  const keys: Array<string | undefined> = new Array(length).fill(undefined);
  let id = 0;
  for (let i = 0; i < length; i++) {
    if (keys[i] !== undefined) continue;
    const key = `burst${seed}-${id++}`;
    keys[i] = key;
    let j = i;
    const repeats = 1 + Math.floor(-Math.log(rand()) * 4);
    for (let r = 0; r < repeats; r++) {
      j += 1 + Math.floor(rand() * reach);
      while (j < length && keys[j] !== undefined) j++;
      if (j < length) keys[j] = key;
    }
  }
  return keys.map((key, i) => sample(key ?? "", i, size));
}
