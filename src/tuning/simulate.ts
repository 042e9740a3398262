/**
 * @module Replays a window of sampled accesses through a simulated L1: the real `createMemoryTier`
 * (src/tiers/memory.ts) with the real eviction policies, scaled to the sampling rate, with no clock.
 * Each access reads the simulated L1 and on a miss stores an entry of the key's size, as the cache
 * service does on a miss.
 */
import type { EvictionPolicyName } from "../tiers/eviction";
import { createMemoryTier } from "../tiers/memory";
import type { StoredEntry } from "../tiers/types";
import type { AccessSample } from "./sample";

/** Share of the window replayed before hits count: the simulated L1 starts empty. */
export const WARMUP_SHARE = 0.2;
/** Body size assumed for a key no sample saw hit (the window's median is used when there is one). */
const DEFAULT_SIZE = 2_048;

/** The sizes to store: a key's size when any sample saw it hit, else the window's median size. */
export function sizesOf(window: readonly AccessSample[]): (key: string) => number {
  const known = new Map<string, number>();
  for (const s of window) if (s.size > 0) known.set(s.key, s.size);
  const sorted = [...known.values()].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? DEFAULT_SIZE;
  return (key) => known.get(key) ?? median;
}

const entryOf = (body: Uint8Array, namespace: string): StoredEntry => ({
  body,
  meta: {
    codec: "none",
    checksum: "",
    size: body.byteLength,
    storedSize: body.byteLength,
    createdAt: 0,
    expiresAt: null,
    namespace,
  },
});

/**
 * Hit rate of L1 under `policy` with `maxBytes` (the real budget; scaled here by `rate`) on `window`,
 * counted after the warm-up share. Bodies are views of one shared buffer: L1 only reads their lengths.
 */
export async function simulateHitRate(
  window: readonly AccessSample[],
  policy: EvictionPolicyName,
  maxBytes: number,
  rate: number,
  sizeOf: (key: string) => number = sizesOf(window),
): Promise<number> {
  const tier = createMemoryTier({
    maxBytes: Math.round(maxBytes * rate),
    ttlSeconds: 1e9,
    policy,
    now: () => 0,
  });
  const sizes = window.map((s) => sizeOf(s.key));
  const buffer = new ArrayBuffer(sizes.reduce((a, b) => Math.max(a, b), 1));
  const warmup = Math.floor(window.length * WARMUP_SHARE);
  let hits = 0;
  for (let i = 0; i < window.length; i++) {
    const { key, ns } = window[i] as AccessSample;
    if (await tier.get(key)) {
      if (i >= warmup) hits++;
      continue;
    }
    await tier.set(key, entryOf(new Uint8Array(buffer, 0, sizes[i] ?? 0), ns));
  }
  const counted = window.length - warmup;
  return counted === 0 ? 0 : hits / counted;
}
