import { describe, expect, it } from "vitest";
import { CacheError } from "../../../src/errors";
import { createVectorizeIndex, truncateUtf8 } from "../../../src/semantic/vectors/vectorize";
import { createFakeVectorize } from "../../helpers/fake-vectorize";
import { hexId, randomUnit, record, rng, scope } from "../../helpers/vectors";

describe("Vectorize index: the calls it makes", () => {
  it("upserts with id = exact key, namespace = tenant, and our metadata", async () => {
    const fake = createFakeVectorize();
    const at = scope();
    const r = record(at, randomUnit(8, rng(41)), { text: "Explique Order Blocks", createdAt: 42 });
    await createVectorizeIndex(fake).upsert([r]);
    expect(fake.upserts).toEqual([
      [
        {
          id: r.id,
          values: r.vector,
          namespace: at.namespace,
          metadata: {
            namespace: at.namespace,
            fingerprint: at.fingerprint,
            text: "Explique Order Blocks",
            createdAt: 42,
          },
        },
      ],
    ]);
    expect(new TextEncoder().encode(r.id)).toHaveLength(64);
  });

  it("queries in the tenant namespace with a fingerprint $eq filter and all metadata", async () => {
    const fake = createFakeVectorize();
    const at = scope();
    const vector = randomUnit(8, rng(42));
    await createVectorizeIndex(fake).query({ ...at, vector, topK: 4 });
    expect(fake.queries).toEqual([
      {
        vector,
        options: {
          topK: 4,
          namespace: at.namespace,
          filter: { fingerprint: { $eq: at.fingerprint } },
          returnMetadata: "all",
          returnValues: false,
        },
      },
    ]);
  });

  it("gets stored records by id in batches of 20, leaving out other namespaces and foreign vectors", async () => {
    const fake = createFakeVectorize();
    const at = scope();
    const index = createVectorizeIndex(fake);
    const mine = Array.from({ length: 25 }, (_, i) =>
      record(at, randomUnit(8, rng(60 + i)), { text: `q${i}` }),
    );
    const elsewhere = record(scope(), randomUnit(8, rng(90)));
    await index.upsert([...mine, elsewhere]);
    fake.stored.set("foreign", {
      id: "foreign",
      values: [1, 0],
      namespace: at.namespace,
      metadata: { x: 1 },
    });
    const ids = [...mine.map((r) => r.id), elsewhere.id, "foreign", "unknown"];
    const got = (await index.get?.(ids, at.namespace)) ?? [];
    expect(fake.gets.map((batch) => batch.length)).toEqual([20, 8]);
    expect(got.map((r) => r.id)).toEqual(mine.map((r) => r.id));
    expect(got[3]).toEqual({ ...mine[3], vector: mine[3]?.vector });
  });

  it("caps topK at 20, Vectorize's limit when metadata is returned, and skips the call for topK 0", async () => {
    const fake = createFakeVectorize();
    const index = createVectorizeIndex(fake);
    await index.query({ ...scope(), vector: randomUnit(8, rng(43)), topK: 50 });
    expect(fake.queries[0]?.options?.topK).toBe(20);
    expect(await index.query({ ...scope(), vector: randomUnit(8, rng(43)), topK: 0 })).toEqual([]);
    expect(fake.queries).toHaveLength(1);
  });

  it("deletes by ids in batches of at most 1000", async () => {
    const fake = createFakeVectorize();
    const ids = Array.from({ length: 1500 }, () => hexId());
    await createVectorizeIndex(fake).delete(ids, "acme");
    expect(fake.deletes.map((batch) => batch.length)).toEqual([1000, 500]);
    expect(fake.deletes.flat()).toEqual(ids);
  });

  it("upserts in batches of at most 1000", async () => {
    const fake = createFakeVectorize();
    const at = scope();
    const records = Array.from({ length: 1001 }, () => record(at, new Float32Array([1, 0])));
    await createVectorizeIndex(fake).upsert(records);
    expect(fake.upserts.map((batch) => batch.length)).toEqual([1000, 1]);
  });
});

describe("Vectorize index: limits and answers", () => {
  it("cuts text to maxTextBytes on a UTF-8 boundary", async () => {
    const fake = createFakeVectorize();
    await createVectorizeIndex(fake, { maxTextBytes: 4 }).upsert([
      record(scope(), new Float32Array([1]), { text: "ação ok" }),
    ]);
    expect(fake.upserts[0]?.[0]?.metadata?.text).toBe("aç");
    expect(truncateUtf8("€€", 4)).toBe("€");
    expect(truncateUtf8("short", 100)).toBe("short");
  });

  it("refuses ids, namespaces and fingerprints over 64 bytes instead of letting them collide", async () => {
    const index = createVectorizeIndex(createFakeVectorize());
    const at = scope();
    const v = new Float32Array([1]);
    await expect(index.upsert([record(at, v, { id: "k".repeat(65) })])).rejects.toBeInstanceOf(CacheError);
    await expect(index.upsert([record({ ...at, namespace: "n".repeat(65) }, v)])).rejects.toBeInstanceOf(
      CacheError,
    );
    await expect(index.upsert([record({ ...at, fingerprint: `${at.fingerprint}x` }, v)])).rejects.toThrow(
      /fingerprint/,
    );
  });

  it("returns cosine scores clamped to 1, applies minScore, and drops vectors not written by this cache", async () => {
    const fake = createFakeVectorize();
    const at = scope();
    const index = createVectorizeIndex(fake);
    const vector = randomUnit(8, rng(44));
    const r = record(at, vector);
    await index.upsert([r]);
    fake.extra = [
      { id: "foreign", score: 0.99, metadata: { other: "app" } },
      { id: "other-ctx", score: 0.98, metadata: { ...fake.upserts[0]?.[0]?.metadata, fingerprint: "f" } },
      { id: "weak", score: 0.2, metadata: fake.upserts[0]?.[0]?.metadata ?? {} },
    ];
    fake.stored.set(r.id, { ...r, values: r.vector, metadata: fake.upserts[0]?.[0]?.metadata });
    const hits = await index.query({ ...at, vector, topK: 10, minScore: 0.5 });
    expect(hits.map((h) => h.id)).toEqual([r.id]);
    expect(hits[0]?.score).toBeLessThanOrEqual(1);
    fake.extra = [{ id: "noisy", score: 1.0000002, metadata: fake.upserts[0]?.[0]?.metadata ?? {} }];
    expect((await index.query({ ...at, vector, topK: 10 })).find((h) => h.id === "noisy")?.score).toBe(1);
  });
});
