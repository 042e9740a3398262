/** @module Deterministic test vectors: seeded random unit vectors and neighbours at a chosen distance. */
import { cosine, normalise } from "../../src/semantic/vectors/math";
import type { VectorRecord } from "../../src/semantic/vectors/types";

/** A seeded PRNG (mulberry32), so a failing test fails the same way every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random unit vector (components uniform in -1..1, then normalised). */
export function randomUnit(dims: number, random: () => number): Float32Array {
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++) v[i] = random() * 2 - 1;
  return normalise(v);
}

/** `base` plus noise of relative size `eps`, normalised: larger eps, lower cosine with base. */
export function neighbour(base: Float32Array, eps: number, random: () => number): Float32Array {
  const noise = randomUnit(base.length, random);
  const v = new Float32Array(base.length);
  for (let i = 0; i < base.length; i++) v[i] = (base[i] ?? 0) + eps * (noise[i] ?? 0);
  return normalise(v);
}

/** Exact float cosine of two vectors of any norm. */
export function exactCosine(a: Float32Array, b: Float32Array): number {
  return cosine(a, b) / Math.sqrt(cosine(a, a) * cosine(b, b));
}

/** A 64-hex-char id, like the cache's exact keys. */
export function hexId(): string {
  return (crypto.randomUUID() + crypto.randomUUID()).replaceAll("-", "");
}

/** A fresh namespace and fingerprint, so tests sharing a file's storage never see each other's rows. */
export function scope(): { namespace: string; fingerprint: string } {
  return { namespace: `ns-${crypto.randomUUID()}`, fingerprint: hexId() };
}

let counter = 0;

/** A record in `at`'s namespace and fingerprint with a unique id and text. */
export function record(
  at: { namespace: string; fingerprint: string },
  vector: Float32Array,
  overrides: Partial<VectorRecord> = {},
): VectorRecord {
  counter++;
  return {
    id: hexId(),
    vector,
    text: `prompt ${counter}`,
    createdAt: Date.now() + counter,
    ...at,
    ...overrides,
  };
}
