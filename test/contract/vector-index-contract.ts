/** @module The contract every VectorIndex must keep; run by vector-indexes.test.ts per backend. */
import { describe, expect, it } from "vitest";
import type { VectorIndex } from "../../src/semantic/vectors/types";
import { exactCosine, neighbour, randomUnit, record, rng, scope } from "../helpers/vectors";
import { testLexicalSearch } from "./lexical-contract";

const DIMS = 64;

/** Optional capabilities a backend declares, so the suite checks they are there and keep their contract. */
export interface VectorIndexCapabilities {
  /** Implements `lexical` (candidates by shared words). */
  lexical: boolean;
}

/** Runs the VectorIndex contract against indexes made by `factory`. */
export function testVectorIndex(
  name: string,
  factory: () => VectorIndex | Promise<VectorIndex>,
  capabilities: VectorIndexCapabilities,
): void {
  describe(`VectorIndex contract: ${name}`, () => {
    it("has exactly the declared optional capabilities", async () => {
      const index = await factory();
      expect(typeof index.lexical === "function").toBe(capabilities.lexical);
    });

    if (capabilities.lexical) testLexicalSearch(factory);

    it("finds nothing in an empty namespace", async () => {
      const index = await factory();
      const at = scope();
      expect(await index.query({ ...at, vector: randomUnit(DIMS, rng(1)), topK: 5 })).toEqual([]);
    });

    it("finds a record with the next query right after its upsert, with its text and createdAt", async () => {
      const index = await factory();
      const at = scope();
      const r = record(at, randomUnit(DIMS, rng(2)), { text: "O que são Order Blocks?", createdAt: 1234 });
      await index.upsert([r]);
      const [hit, ...rest] = await index.query({ ...at, vector: r.vector, topK: 5 });
      expect(rest).toEqual([]);
      expect(hit).toMatchObject({ id: r.id, text: "O que são Order Blocks?", createdAt: 1234 });
      expect(hit?.score).toBeCloseTo(1, 2);
    });

    it("returns neighbours nearest first, in exact-cosine order", async () => {
      const index = await factory();
      const at = scope();
      const random = rng(3);
      const base = randomUnit(DIMS, random);
      const records = [0.1, 0.3, 0.6, 1, 1.6].map((eps) => record(at, neighbour(base, eps, random)));
      await index.upsert([...records].reverse());
      const hits = await index.query({ ...at, vector: base, topK: 5 });
      const expected = [...records].sort((a, b) => exactCosine(base, b.vector) - exactCosine(base, a.vector));
      expect(hits.map((h) => h.id)).toEqual(expected.map((r) => r.id));
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1]?.score).toBeGreaterThan(hits[i]?.score ?? 1);
    });

    it("scores within 0.01 of the exact float cosine", async () => {
      const index = await factory();
      const at = scope();
      const random = rng(4);
      const query = randomUnit(384, random);
      const records = Array.from({ length: 12 }, (_, i) => record(at, neighbour(query, 0.2 * i, random)));
      await index.upsert(records);
      const hits = await index.query({ ...at, vector: query, topK: 12 });
      expect(hits).toHaveLength(12);
      for (const hit of hits) {
        const stored = records.find((r) => r.id === hit.id);
        expect(Math.abs(hit.score - exactCosine(query, stored?.vector ?? query))).toBeLessThan(0.01);
      }
    });

    it("never matches across namespaces", async () => {
      const index = await factory();
      const a = scope();
      const b = { namespace: `${a.namespace}-other`, fingerprint: a.fingerprint };
      const vector = randomUnit(DIMS, rng(5));
      const inA = record(a, vector);
      await index.upsert([inA, record(b, vector)]);
      const hits = await index.query({ ...a, vector, topK: 5 });
      expect(hits.map((h) => h.id)).toEqual([inA.id]);
    });

    it("never matches across context fingerprints", async () => {
      const index = await factory();
      const at = scope();
      const other = { ...at, fingerprint: scope().fingerprint };
      const vector = randomUnit(DIMS, rng(6));
      const mine = record(at, vector);
      await index.upsert([mine, record(other, vector)]);
      expect((await index.query({ ...at, vector, topK: 5 })).map((h) => h.id)).toEqual([mine.id]);
      expect(await index.query({ ...at, fingerprint: scope().fingerprint, vector, topK: 5 })).toEqual([]);
    });

    it("returns at most topK, the best ones", async () => {
      const index = await factory();
      const at = scope();
      const random = rng(7);
      const base = randomUnit(DIMS, random);
      const records = Array.from({ length: 10 }, (_, i) =>
        record(at, neighbour(base, 0.15 * (i + 1), random)),
      );
      await index.upsert(records);
      const hits = await index.query({ ...at, vector: base, topK: 3 });
      const best = [...records].sort((a, b) => exactCosine(base, b.vector) - exactCosine(base, a.vector));
      expect(hits.map((h) => h.id)).toEqual(best.slice(0, 3).map((r) => r.id));
      expect(await index.query({ ...at, vector: base, topK: 0 })).toEqual([]);
    });

    it("drops matches below minScore", async () => {
      const index = await factory();
      const at = scope();
      const random = rng(8);
      const base = randomUnit(DIMS, random);
      const close = record(at, neighbour(base, 0.1, random));
      const far = record(at, randomUnit(DIMS, random));
      await index.upsert([close, far]);
      expect(exactCosine(base, close.vector)).toBeGreaterThan(0.95);
      expect(exactCosine(base, far.vector)).toBeLessThan(0.5);
      const hits = await index.query({ ...at, vector: base, topK: 5, minScore: 0.9 });
      expect(hits.map((h) => h.id)).toEqual([close.id]);
      expect(await index.query({ ...at, vector: base, topK: 5, minScore: 0.999 })).toEqual([]);
    });

    it("deletes by id and keeps the rest", async () => {
      const index = await factory();
      const at = scope();
      const random = rng(9);
      const base = randomUnit(DIMS, random);
      const gone = record(at, base);
      const kept = record(at, neighbour(base, 0.2, random));
      await index.upsert([gone, kept]);
      await index.delete([gone.id, "0".repeat(64)], at.namespace);
      expect((await index.query({ ...at, vector: base, topK: 5 })).map((h) => h.id)).toEqual([kept.id]);
    });

    it("replaces a record upserted again under the same id", async () => {
      const index = await factory();
      const at = scope();
      const random = rng(10);
      const [first, second] = [randomUnit(DIMS, random), randomUnit(DIMS, random)];
      const r = record(at, first, { text: "before" });
      await index.upsert([r]);
      await index.upsert([{ ...r, vector: second, text: "after" }]);
      const hits = await index.query({ ...at, vector: second, topK: 5 });
      expect(hits).toHaveLength(1);
      expect(hits[0]).toMatchObject({ id: r.id, text: "after" });
      expect(hits[0]?.score).toBeCloseTo(1, 2);
    });

    it("counts and clears a namespace where it can", async () => {
      const index = await factory();
      const at = scope();
      const vector = randomUnit(DIMS, rng(11));
      await index.upsert([record(at, vector), record(at, vector), record(scope(), vector)]);
      expect(await index.query({ ...at, vector, topK: 5 })).toHaveLength(2);
      if (index.count) expect(await index.count(at.namespace)).toBe(2);
      if (!index.clear) return;
      await index.clear(at.namespace);
      expect(await index.query({ ...at, vector, topK: 5 })).toEqual([]);
      if (index.count) expect(await index.count(at.namespace)).toBe(0);
    });
  });
}
