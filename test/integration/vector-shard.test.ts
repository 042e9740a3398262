/** The VectorShard Durable Object for real in workerd: cap and eviction, slice cache, persistence. */
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { MAX_TEXT_CHARS } from "../../src/durable/vector-shard";
import { CacheError } from "../../src/errors";
import { createLocalVectorIndex } from "../../src/semantic/vectors/local";
import { createReadYourWritesIndex } from "../../src/semantic/vectors/read-your-writes";
import { createMemoryVectorIndex } from "../helpers/memory-vector-index";
import { neighbour, randomUnit, record, rng, scope } from "../helpers/vectors";

const DIMS = 32;
const shardOf = (namespace: string) => env.VECTOR_SHARDS.get(env.VECTOR_SHARDS.idFromName(namespace));

describe("VectorShard cap", () => {
  it("evicts the oldest by createdAt beyond the cap, whatever the insertion order", async () => {
    const at = scope();
    const random = rng(21);
    const base = randomUnit(DIMS, random);
    const records = Array.from({ length: 8 }, (_, i) =>
      record(at, neighbour(base, 0.1, random), { createdAt: 1_000 + i }),
    );
    const order = [5, 0, 7, 2, 6, 1, 4, 3];
    let evicted = 0;
    for (const i of order) {
      evicted += await shardOf(at.namespace).upsert(records.slice(i, i + 1), { maxVectors: 5 });
    }
    expect(evicted).toBe(3);
    expect(await shardOf(at.namespace).count()).toBe(5);
    const hits = await shardOf(at.namespace).query({ ...at, vector: base, topK: 10 });
    expect(hits.map((h) => h.createdAt).sort()).toEqual([1_003, 1_004, 1_005, 1_006, 1_007]);
  });

  it("does not count a replaced id twice toward the cap", async () => {
    const at = scope();
    const vector = randomUnit(DIMS, rng(22));
    const r = record(at, vector);
    const index = createLocalVectorIndex(env.VECTOR_SHARDS, { maxVectorsPerShard: 2 });
    await index.upsert([r, record(at, vector)]);
    await index.upsert([
      { ...r, text: "again" },
      { ...r, text: "and again" },
    ]);
    expect(await index.count?.(at.namespace)).toBe(2);
    expect((await index.query({ ...at, vector, topK: 5 })).map((h) => h.text)).toContain("and again");
  });

  it("evicts through the local index option, and the read-your-writes window keeps the primary's older hits", async () => {
    const at = scope();
    const random = rng(23);
    const base = randomUnit(DIMS, random);
    const old = record(at, neighbour(base, 0.05, random), { createdAt: 1 });
    const fresh = Array.from({ length: 3 }, (_, i) =>
      record(at, neighbour(base, 0.5, random), { createdAt: 10 + i }),
    );
    const primary = createMemoryVectorIndex();
    const recent = createLocalVectorIndex(env.VECTOR_SHARDS, { maxVectorsPerShard: 3 });
    const index = createReadYourWritesIndex(primary, recent);
    await index.upsert([old]);
    await index.upsert(fresh);
    expect((await recent.query({ ...at, vector: base, topK: 5 })).map((h) => h.id)).not.toContain(old.id);
    expect((await index.query({ ...at, vector: base, topK: 1 }))[0]?.id).toBe(old.id);
  });
});

describe("VectorShard slice cache", () => {
  it("sees writes made after a query loaded the slice (upsert, delete)", async () => {
    const at = scope();
    const random = rng(24);
    const base = randomUnit(DIMS, random);
    const index = createLocalVectorIndex(env.VECTOR_SHARDS);
    const first = record(at, neighbour(base, 0.4, random));
    await index.upsert([first]);
    expect(await index.query({ ...at, vector: base, topK: 5 })).toHaveLength(1);
    const closer = record(at, neighbour(base, 0.05, random));
    await index.upsert([closer]);
    expect((await index.query({ ...at, vector: base, topK: 5 })).map((h) => h.id)).toEqual([
      closer.id,
      first.id,
    ]);
    await index.delete([closer.id], at.namespace);
    expect((await index.query({ ...at, vector: base, topK: 5 })).map((h) => h.id)).toEqual([first.id]);
  });

  it("answers a repeated query without reading the vectors from SQLite again", async () => {
    const at = scope();
    const vector = randomUnit(DIMS, rng(25));
    const stub = shardOf(at.namespace);
    await stub.upsert([record(at, vector), record(at, vector)]);
    const statements = await runInDurableObject(stub, (shard, state) => {
      const exec = vi.spyOn(state.storage.sql, "exec");
      shard.query({ ...at, vector, topK: 5 });
      shard.query({ ...at, vector, topK: 5 });
      const sql = exec.mock.calls.map(([query]) => query);
      exec.mockRestore();
      return sql;
    });
    expect(statements.filter((s) => s.includes("SELECT id, codes"))).toHaveLength(1);
    expect(statements.filter((s) => s.includes("SELECT id, text"))).toHaveLength(2);
  });

  it("never compares vectors of another dimension count", async () => {
    const at = scope();
    const random = rng(26);
    const short = record(at, randomUnit(8, random));
    const long = record(at, randomUnit(16, random));
    await shardOf(at.namespace).upsert([short, long]);
    const hits = await shardOf(at.namespace).query({ ...at, vector: long.vector, topK: 5 });
    expect(hits.map((h) => h.id)).toEqual([long.id]);
  });
});

describe("VectorShard storage", () => {
  it("keeps vectors and the row count across a restart of the object", async () => {
    const at = scope();
    const vector = randomUnit(DIMS, rng(27));
    const r = record(at, vector, { text: "persisted" });
    await shardOf(at.namespace).upsert([r, record(at, vector)]);
    await abortAllDurableObjects();
    expect(await shardOf(at.namespace).count()).toBe(2);
    const [hit] = await shardOf(at.namespace).query({ ...at, vector: r.vector, topK: 1 });
    expect(hit?.score).toBeCloseTo(1, 3);
  });

  it("cuts very long texts to MAX_TEXT_CHARS", async () => {
    const at = scope();
    const vector = randomUnit(DIMS, rng(28));
    await shardOf(at.namespace).upsert([record(at, vector, { text: "x".repeat(MAX_TEXT_CHARS + 10) })]);
    const [hit] = await shardOf(at.namespace).query({ ...at, vector, topK: 1 });
    expect(hit?.text).toHaveLength(MAX_TEXT_CHARS);
  });

  it("refuses to clear or count every namespace: shards cannot be listed", async () => {
    const index = createLocalVectorIndex(env.VECTOR_SHARDS);
    await expect(index.clear?.()).rejects.toBeInstanceOf(CacheError);
    await expect(index.count?.()).rejects.toMatchObject({ code: "not_enabled" });
  });
});
