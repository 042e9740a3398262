import { describe, expect, it } from "vitest";
import { cosineFactor, dequantize, quantize } from "../../../src/semantic/vectors/int8";
import { SliceCache, scanSlice, type VectorSlice } from "../../../src/semantic/vectors/slices";
import { exactCosine, randomUnit, rng } from "../../helpers/vectors";

function sliceOf(vectors: Float32Array[], ids = vectors.map((_, i) => `id-${i}`)): VectorSlice {
  const dims = vectors[0]?.length ?? 0;
  const codes = new Int8Array(vectors.length * dims);
  const factors = new Float32Array(vectors.length);
  vectors.forEach((v, i) => {
    const q = quantize(v).codes;
    codes.set(q, i * dims);
    factors[i] = cosineFactor(q);
  });
  return { dims, ids, codes, factors };
}

describe("int8 quantization", () => {
  it("maps the largest component to ±127 and reconstructs within half a step", () => {
    const v = randomUnit(384, rng(31));
    const q = quantize(v);
    expect(Math.max(...[...q.codes].map(Math.abs))).toBe(127);
    const back = dequantize(q);
    for (let i = 0; i < v.length; i++)
      expect(Math.abs((back[i] ?? 0) - (v[i] ?? 0))).toBeLessThanOrEqual(q.scale / 2 + 1e-7);
  });

  it("keeps the cosine of 768-dimension unit vectors within 0.005", () => {
    const random = rng(32);
    for (let n = 0; n < 20; n++) {
      const a = randomUnit(768, random);
      const b = randomUnit(768, random);
      const slice = sliceOf([b]);
      const [hit] = scanSlice(slice, a, 1, -2);
      expect(Math.abs((hit?.score ?? 9) - exactCosine(a, b))).toBeLessThan(0.005);
    }
  });

  it("turns the zero vector into zeros that match nothing", () => {
    const q = quantize(new Float32Array(4));
    expect(q.scale).toBe(0);
    expect(cosineFactor(q.codes)).toBe(0);
    expect(scanSlice(sliceOf([new Float32Array(4)]), randomUnit(4, rng(33)), 1, 0.01)).toEqual([]);
  });
});

describe("scanSlice", () => {
  it("returns the same top-k as a brute-force float ranking", () => {
    const random = rng(34);
    const vectors = Array.from({ length: 200 }, () => randomUnit(48, random));
    const query = randomUnit(48, random);
    const hits = scanSlice(sliceOf(vectors), query, 7, -2);
    const expected = vectors
      .map((v, i) => ({ id: `id-${i}`, score: exactCosine(query, v) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 7);
    expect(hits.map((h) => h.id)).toEqual(expected.map((e) => e.id));
  });
});

describe("SliceCache", () => {
  const slice = (rows: number): VectorSlice =>
    sliceOf(Array.from({ length: rows }, () => randomUnit(100, rng(rows))));

  it("evicts the least recently used slice past its byte budget", () => {
    const one = slice(10);
    const cache = new SliceCache(2.5 * (one.codes.byteLength + one.factors.byteLength + 800));
    cache.set("8:a", one);
    cache.set("8:b", slice(10));
    cache.get("8:a");
    cache.set("8:c", slice(10));
    expect(cache.get("8:b")).toBeUndefined();
    expect(cache.get("8:a")).toBe(one);
    expect(cache.size).toBe(2);
  });

  it("invalidates every dimension count of a fingerprint and nothing else", () => {
    const cache = new SliceCache(1 << 20);
    cache.set(SliceCache.key("fp", 8), slice(2));
    cache.set(SliceCache.key("fp", 16), slice(2));
    cache.set(SliceCache.key("other", 8), slice(2));
    cache.invalidate("fp");
    expect(cache.get(SliceCache.key("fp", 8))).toBeUndefined();
    expect(cache.get(SliceCache.key("fp", 16))).toBeUndefined();
    expect(cache.get(SliceCache.key("other", 8))).toBeDefined();
  });
});
