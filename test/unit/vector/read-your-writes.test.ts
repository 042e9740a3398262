import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createLocalVectorIndex } from "../../../src/semantic/vectors/local";
import { createReadYourWritesIndex } from "../../../src/semantic/vectors/read-your-writes";
import type { VectorIndex, VectorMatch } from "../../../src/semantic/vectors/types";
import { createMemoryVectorIndex } from "../../helpers/memory-vector-index";
import { neighbour, randomUnit, record, rng, scope } from "../../helpers/vectors";

const DIMS = 16;

/** An index that answers fixed matches, whatever the query. */
function fixed(matches: VectorMatch[]): VectorIndex {
  return { name: "fixed", upsert: async () => {}, query: async () => matches, delete: async () => {} };
}

describe("read-your-writes: queries", () => {
  it("finds a just-upserted record while the primary has not indexed it yet", async () => {
    const at = scope();
    const primary = createMemoryVectorIndex({ lagging: true });
    const index = createReadYourWritesIndex(primary, createLocalVectorIndex(env.VECTOR_SHARDS));
    const r = record(at, randomUnit(DIMS, rng(51)));
    await index.upsert([r]);
    expect(await primary.query({ ...at, vector: r.vector, topK: 5 })).toEqual([]);
    expect((await index.query({ ...at, vector: r.vector, topK: 5 })).map((h) => h.id)).toEqual([r.id]);
    primary.catchUp();
    expect((await index.query({ ...at, vector: r.vector, topK: 5 })).map((h) => h.id)).toEqual([r.id]);
  });

  it("merges both sides: one entry per id with its best score, sorted, cut to topK", async () => {
    const m = (id: string, score: number): VectorMatch => ({ id, score, text: id, createdAt: 0 });
    const index = createReadYourWritesIndex(
      fixed([m("a", 0.7), m("b", 0.95), m("c", 0.5)]),
      fixed([m("a", 0.9), m("d", 0.8), m("b", 0.6)]),
    );
    const hits = await index.query({ ...scope(), vector: new Float32Array(2), topK: 3 });
    expect(hits.map((h) => [h.id, h.score])).toEqual([
      ["b", 0.95],
      ["a", 0.9],
      ["d", 0.8],
    ]);
  });

  it("answers from the recent side when the primary fails, and says so", async () => {
    const at = scope();
    const primary = createMemoryVectorIndex();
    const onError = vi.fn();
    const index = createReadYourWritesIndex(primary, createLocalVectorIndex(env.VECTOR_SHARDS), { onError });
    const r = record(at, randomUnit(DIMS, rng(52)));
    await index.upsert([r]);
    primary.failWith = new Error("Vectorize down");
    expect((await index.query({ ...at, vector: r.vector, topK: 5 })).map((h) => h.id)).toEqual([r.id]);
    expect(onError).toHaveBeenCalledWith(primary.failWith, "primary", "query");
  });

  it("throws when both sides fail", async () => {
    const a = createMemoryVectorIndex();
    const b = createMemoryVectorIndex();
    a.failWith = new Error("primary down");
    b.failWith = new Error("recent down");
    const index = createReadYourWritesIndex(a, b);
    await expect(index.query({ ...scope(), vector: new Float32Array(2), topK: 1 })).rejects.toThrow(
      "primary down",
    );
  });
});

describe("read-your-writes: deletes and writes", () => {
  it("hides a deleted id the primary still returns, until the tombstone expires", async () => {
    const at = scope();
    let clock = 1_000;
    const primary = createMemoryVectorIndex({ lagging: true });
    const index = createReadYourWritesIndex(primary, createMemoryVectorIndex(), {
      tombstoneMs: 500,
      now: () => clock,
    });
    const r = record(at, randomUnit(DIMS, rng(53)));
    await index.upsert([r]);
    primary.catchUp();
    await index.delete([r.id], at.namespace);
    // The primary has not applied the delete yet: it still answers r.
    expect((await primary.query({ ...at, vector: r.vector, topK: 1 })).map((h) => h.id)).toEqual([r.id]);
    expect(await index.query({ ...at, vector: r.vector, topK: 1 })).toEqual([]);
    clock += 501;
    expect((await index.query({ ...at, vector: r.vector, topK: 1 })).map((h) => h.id)).toEqual([r.id]);
  });

  it("lifts the tombstone when the id is upserted again", async () => {
    const at = scope();
    const primary = createMemoryVectorIndex();
    const index = createReadYourWritesIndex(primary, createMemoryVectorIndex({ lagging: true }));
    const r = record(at, neighbour(randomUnit(DIMS, rng(54)), 0.1, rng(55)));
    await index.delete([r.id], at.namespace);
    await index.upsert([r]);
    expect((await index.query({ ...at, vector: r.vector, topK: 1 })).map((h) => h.id)).toEqual([r.id]);
  });

  it("writes to both sides even when one fails, then reports the failure", async () => {
    const at = scope();
    const recent = createMemoryVectorIndex();
    const broken: VectorIndex = { ...fixed([]), upsert: async () => Promise.reject(new Error("quota")) };
    const index = createReadYourWritesIndex(broken, recent);
    const r = record(at, randomUnit(DIMS, rng(56)));
    await expect(index.upsert([r])).rejects.toThrow("quota");
    expect(await recent.count(at.namespace)).toBe(1);
  });

  it("offers clear and count only when both sides can, and counts at least what either side holds", async () => {
    expect(createReadYourWritesIndex(fixed([]), createMemoryVectorIndex()).clear).toBeUndefined();
    expect(createReadYourWritesIndex(fixed([]), createMemoryVectorIndex()).count).toBeUndefined();
    const at = scope();
    const primary = createMemoryVectorIndex({ lagging: true });
    const index = createReadYourWritesIndex(primary, createMemoryVectorIndex());
    await index.upsert([record(at, new Float32Array([1, 0]))]);
    expect(await index.count?.(at.namespace)).toBe(1);
  });
});
