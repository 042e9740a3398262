/** The VectorShard's lexical index for real in workerd: migration of old shards, its own cap, deletes, Vectorize. */
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createLocalVectorIndex } from "../../src/semantic/vectors/local";
import { createReadYourWritesIndex } from "../../src/semantic/vectors/read-your-writes";
import { createVectorizeIndex } from "../../src/semantic/vectors/vectorize";
import { createFakeVectorize } from "../helpers/fake-vectorize";
import { exactCosine, randomUnit, record, rng, scope } from "../helpers/vectors";

const DIMS = 32;
const shardOf = (namespace: string) => env.VECTOR_SHARDS.get(env.VECTOR_SHARDS.idFromName(namespace));

/** Rows of the lexical tables of a namespace's shard (both must agree). */
async function lexicalRows(namespace: string): Promise<{ docs: number; fts: number }> {
  return runInDurableObject(shardOf(namespace), (_shard, state) => {
    const count = (table: string) =>
      state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;
    return { docs: count("lexical_docs"), fts: count("lexical_fts") };
  });
}

describe("VectorShard lexical index", () => {
  it("indexes the questions of a shard written before lexical search, on its next start", async () => {
    const at = scope();
    const vector = randomUnit(DIMS, rng(41));
    const old = Array.from({ length: 7 }, (_, i) =>
      record(at, vector, { text: `Order Blocks question ${i}` }),
    );
    await shardOf(at.namespace).upsert(old);
    // Turn it into a shard of the previous version: vectors only.
    await runInDurableObject(shardOf(at.namespace), (_shard, state) => {
      for (const table of ["lexical_fts", "lexical_docs", "shard_meta"]) {
        state.storage.sql.exec(`DROP TABLE ${table}`);
      }
    });
    await abortAllDurableObjects();
    const hits = await shardOf(at.namespace).lexical({ ...at, vector, text: "order blocks", topK: 10 });
    expect(hits.map((h) => h.id).sort()).toEqual(old.map((r) => r.id).sort());
    expect(await lexicalRows(at.namespace)).toEqual({ docs: 7, fts: 7 });
    // The next start finds the version marker and indexes nothing twice.
    await abortAllDurableObjects();
    expect(await lexicalRows(at.namespace)).toEqual({ docs: 7, fts: 7 });
  });

  it("keeps its own cap: questions outlive their vectors, then go oldest first", async () => {
    const at = scope();
    const random = rng(42);
    const records = Array.from({ length: 5 }, (_, i) =>
      record(at, randomUnit(DIMS, random), { text: `Qual é o Order Block número ${i}?`, createdAt: 100 + i }),
    );
    const index = createLocalVectorIndex(env.VECTOR_SHARDS, { maxVectorsPerShard: 2, maxLexicalPerShard: 4 });
    for (const r of records) await index.upsert([r]);
    expect(await index.count?.(at.namespace)).toBe(2);
    const query = { ...at, vector: randomUnit(DIMS, random), text: "order block", topK: 10 };
    const hits = (await index.lexical?.(query)) ?? [];
    expect(hits.map((h) => h.createdAt).sort()).toEqual([101, 102, 103, 104]);
    for (const hit of hits) {
      const stored = records.find((r) => r.id === hit.id);
      if (hit.createdAt >= 103) {
        // Vector still in the shard: scored, original text.
        expect(hit.score).toBeCloseTo(exactCosine(query.vector, stored?.vector ?? query.vector), 2);
        expect(hit.text).toBe(stored?.text);
      } else {
        // Vector evicted: no score, the folded text is all the shard has.
        expect(hit.score).toBeUndefined();
        expect(hit.text).toBe(`qual e o order block numero ${hit.createdAt - 100}?`);
      }
    }
    expect(await lexicalRows(at.namespace)).toEqual({ docs: 4, fts: 4 });
  });

  it("removes lexical rows on delete (even where the vector was evicted) and on clear", async () => {
    const at = scope();
    const vector = randomUnit(DIMS, rng(43));
    const [a, b, c] = [0, 1, 2].map((i) =>
      record(at, vector, { text: `fair value gap ${i}`, createdAt: 10 + i }),
    );
    if (!a || !b || !c) throw new Error("three records");
    const index = createLocalVectorIndex(env.VECTOR_SHARDS, { maxVectorsPerShard: 1 });
    await index.upsert([a, b, c]);
    await index.delete([a.id, b.id, "f".repeat(64)], at.namespace);
    expect(await lexicalRows(at.namespace)).toEqual({ docs: 1, fts: 1 });
    expect(
      (await index.lexical?.({ ...at, vector, text: "fair value gap", topK: 5 }))?.map((h) => h.id),
    ).toEqual([c.id]);
    await index.clear?.(at.namespace);
    expect(await lexicalRows(at.namespace)).toEqual({ docs: 0, fts: 0 });
  });
});

describe("lexical candidates with Vectorize (read-your-writes)", () => {
  const setup = () => {
    const fake = createFakeVectorize();
    const recent = createLocalVectorIndex(env.VECTOR_SHARDS, {
      maxVectorsPerShard: 1,
      maxLexicalPerShard: 100,
    });
    const errors: string[] = [];
    const index = createReadYourWritesIndex(createVectorizeIndex(fake), recent, {
      onError: (_error, side, operation) => errors.push(`${side} ${operation}`),
    });
    return { fake, index, errors };
  };

  it("finds every question of the namespace and scores the old ones with Vectorize's stored vector", async () => {
    const { fake, index, errors } = setup();
    const at = scope();
    const random = rng(44);
    const old = record(at, randomUnit(DIMS, random), { text: "O que são Order Blocks?", createdAt: 1 });
    const fresh = record(at, randomUnit(DIMS, random), {
      text: "Order Blocks vs breaker blocks",
      createdAt: 2,
    });
    await index.upsert([old]);
    await index.upsert([fresh]);
    const query = { ...at, vector: randomUnit(DIMS, random), text: "Explique Order Blocks", topK: 5 };
    const hits = (await index.lexical?.(query)) ?? [];
    expect(hits.map((h) => h.id).sort()).toEqual([old.id, fresh.id].sort());
    const oldHit = hits.find((h) => h.id === old.id);
    expect(oldHit?.score).toBeCloseTo(exactCosine(query.vector, old.vector), 4);
    expect(oldHit?.text).toBe("O que são Order Blocks?");
    // Only the candidate the window had no vector for was fetched.
    expect(fake.gets).toEqual([[old.id]]);
    expect(errors).toEqual([]);
  });

  it("fails open when Vectorize cannot be read: the candidate stays, unscored", async () => {
    const { fake, index, errors } = setup();
    const at = scope();
    const vector = randomUnit(DIMS, rng(45));
    const old = record(at, vector, { text: "liquidity sweep", createdAt: 1 });
    await index.upsert([old, record(at, vector, { text: "something else", createdAt: 2 })]);
    fake.getByIds = async () => Promise.reject(new Error("Vectorize is down"));
    const hits = (await index.lexical?.({ ...at, vector, text: "liquidity", topK: 5 })) ?? [];
    expect(hits.map((h) => [h.id, h.score])).toEqual([[old.id, undefined]]);
    expect(errors).toEqual(["primary lexical"]);
  });
});
