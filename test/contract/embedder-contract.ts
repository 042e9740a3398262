/** @module The contract every Embedder must keep; run by embedders.test.ts per backend. */
import { describe, expect, it } from "vitest";
import type { Embedder } from "../../src/semantic/embedders/types";
import { cosine } from "../../src/semantic/vectors/math";

/** An embedder under test, and the sizes of the batches it sent to its backend so far (if remote). */
export interface EmbedderUnderTest {
  embedder: Embedder;
  /** Texts per backend call, in call order; undefined for an embedder that calls nothing. */
  batches?: () => number[];
  /** The largest batch the embedder was configured to send. */
  batchSize: number;
}

const TEXTS = [
  "O que são Order Blocks?",
  "Explique Order Blocks no trading",
  "How do I reset my password?",
  "Should I buy EUR/USD now?",
  "What is the capital of France?",
];

const norm = (v: Float32Array) => Math.sqrt(cosine(v, v));
/** Same direction within float noise (remote models may differ in the last bits between batches). */
const same = (a: Float32Array | undefined, b: Float32Array | undefined) =>
  a !== undefined && b !== undefined && a.length === b.length && cosine(a, b) > 1 - 1e-5;

/** Runs the Embedder contract against embedders made by `factory` (a fresh one per test). */
export function testEmbedder(
  name: string,
  factory: () => EmbedderUnderTest | Promise<EmbedderUnderTest>,
): void {
  describe(`Embedder contract: ${name}`, () => {
    it("names its model and a positive dimension count", async () => {
      const { embedder } = await factory();
      expect(typeof embedder.model).toBe("string");
      expect(embedder.model.trim().length).toBeGreaterThan(0);
      expect(Number.isInteger(embedder.dimensions) && embedder.dimensions > 0).toBe(true);
    });

    it("returns one unit-norm vector of `dimensions` per text", async () => {
      const { embedder } = await factory();
      const vectors = await embedder.embed(TEXTS);
      expect(vectors).toHaveLength(TEXTS.length);
      for (const v of vectors) {
        expect(v).toBeInstanceOf(Float32Array);
        expect(v.length).toBe(embedder.dimensions);
        expect(v.every(Number.isFinite)).toBe(true);
        expect(norm(v)).toBeCloseTo(1, 5);
      }
    });

    it("keeps the input order: the i-th vector is the i-th text's, as if embedded alone", async () => {
      const { embedder } = await factory();
      const together = await embedder.embed(TEXTS);
      for (const [i, text] of TEXTS.entries()) {
        const [alone] = await embedder.embed([text]);
        expect(same(together[i], alone)).toBe(true);
        for (let j = 0; j < TEXTS.length; j++) if (j !== i) expect(same(together[j], alone)).toBe(false);
      }
    });

    it("is deterministic: equal texts give equal vectors, within a call and across calls", async () => {
      const { embedder } = await factory();
      const [a, b] = await embedder.embed(["Analisar PETR4 usando RSI", "Analisar PETR4 usando RSI"]);
      const [c] = await embedder.embed(["Analisar PETR4 usando RSI"]);
      expect(same(a, b)).toBe(true);
      expect(same(a, c)).toBe(true);
    });

    it("splits more texts than one batch holds into calls of at most the batch size, in order", async () => {
      const { embedder, batches, batchSize } = await factory();
      const texts = Array.from({ length: batchSize * 2 + 1 }, (_, i) => `question number ${i} about RSI`);
      const vectors = await embedder.embed(texts);
      expect(vectors).toHaveLength(texts.length);
      const [last] = await embedder.embed([texts[texts.length - 1] ?? ""]);
      expect(same(vectors[vectors.length - 1], last)).toBe(true);
      if (!batches) return;
      expect(batches().slice(0, 3)).toEqual([batchSize, batchSize, 1]);
    });

    it("answers an empty input with no vectors and no backend call", async () => {
      const { embedder, batches } = await factory();
      expect(await embedder.embed([])).toEqual([]);
      if (batches) expect(batches()).toEqual([]);
    });
  });
}
