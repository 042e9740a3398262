import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createVectorIndex, usesVectorize } from "../../../src/semantic/vectors/factory";
import { createFakeVectorize } from "../../helpers/fake-vectorize";
import { randomUnit, record, rng, scope } from "../../helpers/vectors";

/** Like the real binding run locally: any use throws. */
const remoteOnly = new Proxy({} as VectorizeIndex, {
  get() {
    throw new Error("VECTORIZE needs to be run remotely");
  },
});

describe("createVectorIndex", () => {
  it("uses the local shards alone when Vectorize is not bound (dev, tests)", async () => {
    const index = createVectorIndex({ VECTOR_SHARDS: env.VECTOR_SHARDS });
    expect(index.name).toBe("local");
    const at = scope();
    const r = record(at, randomUnit(8, rng(61)));
    await index.upsert([r]);
    expect((await index.query({ ...at, vector: r.vector, topK: 1 }))[0]?.id).toBe(r.id);
  });

  it("never touches a bound Vectorize when SEMANTIC_BACKEND is local", async () => {
    const index = createVectorIndex({
      VECTOR_SHARDS: env.VECTOR_SHARDS,
      VECTORIZE: remoteOnly,
      SEMANTIC_BACKEND: "local",
    });
    expect(index.name).toBe("local");
    const at = scope();
    await index.upsert([record(at, randomUnit(8, rng(62)))]);
    expect(await index.query({ ...at, vector: randomUnit(8, rng(62)), topK: 1 })).toHaveLength(1);
  });

  it("pairs Vectorize with the local shards when bound, writing to both", async () => {
    const fake = createFakeVectorize();
    const index = createVectorIndex({
      VECTOR_SHARDS: env.VECTOR_SHARDS,
      VECTORIZE: fake as unknown as VectorizeIndex,
    });
    expect(index.name).toBe("vectorize+local");
    const at = scope();
    const r = record(at, randomUnit(8, rng(63)));
    await index.upsert([r]);
    expect(fake.upserts.flat().map((v) => v.id)).toEqual([r.id]);
    fake.stored.clear(); // as if Vectorize had not indexed it yet
    expect((await index.query({ ...at, vector: r.vector, topK: 1 }))[0]?.id).toBe(r.id);
    expect(fake.queries).toHaveLength(1);
  });

  it("does not touch the binding while choosing", () => {
    expect(usesVectorize({ VECTOR_SHARDS: env.VECTOR_SHARDS, VECTORIZE: remoteOnly })).toBe(true);
    expect(createVectorIndex({ VECTOR_SHARDS: env.VECTOR_SHARDS, VECTORIZE: remoteOnly }).name).toBe(
      "vectorize+local",
    );
    expect(usesVectorize({ VECTOR_SHARDS: env.VECTOR_SHARDS })).toBe(false);
  });
});
