/** The semantic layer's candidate step over a fake shard: union of both sources, verdicts, fail-open. */
import { describe, expect, it, vi } from "vitest";
import { createSemanticLayer, type SemanticProbe } from "../../../src/cache/semantic";
import { CacheStats } from "../../../src/cache/stats";
import { DEFAULT_CONFIG, mergeConfig } from "../../../src/config";
import type { Env } from "../../../src/env";
import type { LexicalMatch, LexicalQuery, VectorMatch } from "../../../src/semantic/vectors/types";

/** An env whose VECTOR_SHARDS always reach `shard` (only the methods the lookup calls). */
function envWith(shard: {
  query: (q: unknown) => Promise<VectorMatch[]>;
  lexical: (q: LexicalQuery) => Promise<LexicalMatch[]>;
}): Env {
  const namespace = { idFromName: (name: string) => name, get: () => shard };
  return { LOCAL_DEV: "1", EMBEDDER: { embed: async () => [] }, VECTOR_SHARDS: namespace } as unknown as Env;
}

const probe: SemanticProbe = {
  namespace: "tenant",
  question: "Explique Order Blocks no trading",
  fingerprint: "f".repeat(64),
  context: "{}",
  vector: new Float32Array([1, 0, 0]),
};
const near: VectorMatch = { id: "near", score: 0.97, text: "Explain order blocks in trading", createdAt: 1 };
const lexicalOnly = (id: string, score: number | undefined, text: string): LexicalMatch => ({
  id,
  score,
  relevance: 3,
  text,
  createdAt: 2,
});

describe("semantic candidates", () => {
  it("verifies the union of both sources, each with its source; an unknown similarity is never accepted", async () => {
    const shard = {
      query: vi.fn(async () => [near]),
      lexical: vi.fn(async () => [
        lexicalOnly("near", 0.97, near.text),
        lexicalOnly("far", 0.41, "O que são Order Blocks?"),
        lexicalOnly("unscored", undefined, "explique order blocks no trading"),
      ]),
    };
    const layer = createSemanticLayer(envWith(shard), DEFAULT_CONFIG, new CacheStats());
    const found = await layer?.candidates(probe, 0.8);
    expect(found?.map((c) => [c.key, c.source, c.similarity])).toEqual([
      ["near", "both", 0.97],
      ["far", "lexical", 0.41],
      ["unscored", "lexical", undefined],
    ]);
    expect(found?.[1]?.verdict).toMatchObject({
      accept: false,
      reason: expect.stringMatching(/below threshold/),
    });
    // Even the same folded text: a hit must state its similarity.
    expect(found?.[2]?.verdict).toMatchObject({ accept: false, reason: expect.stringMatching(/unknown/) });
    expect(shard.lexical).toHaveBeenCalledWith(
      expect.objectContaining({ text: probe.question, fingerprint: probe.fingerprint, topK: 3 }),
    );
  });

  it("asks each source for k candidates when k is given, and never the lexical one when it is off", async () => {
    const shard = { query: vi.fn(async () => [near]), lexical: vi.fn(async () => []) };
    const layer = createSemanticLayer(envWith(shard), DEFAULT_CONFIG);
    await layer?.candidates(probe, 0.8, 7);
    expect(shard.query).toHaveBeenCalledWith(expect.objectContaining({ topK: 7 }));
    expect(shard.lexical).toHaveBeenCalledWith(expect.objectContaining({ topK: 7 }));
    const off = createSemanticLayer(
      envWith(shard),
      mergeConfig(DEFAULT_CONFIG, { semanticLexicalCandidates: 0 }),
    );
    shard.lexical.mockClear();
    expect((await off?.candidates(probe, 0.8, 7))?.map((c) => c.source)).toEqual(["vector"]);
    expect(shard.lexical).not.toHaveBeenCalled();
  });

  it("fails open: a failing lexical search leaves the vector candidates, logged and counted", async () => {
    const stats = new CacheStats();
    const shard = {
      query: async () => [near],
      lexical: async () => Promise.reject(new Error("fts5: syntax error")),
    };
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const layer = createSemanticLayer(envWith(shard), DEFAULT_CONFIG, stats);
    const found = await layer?.candidates(probe, 0.8);
    expect(found?.map((c) => [c.key, c.source])).toEqual([["near", "vector"]]);
    expect(stats.lexicalErrors).toBe(1);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("lexical candidates failed"));
    warn.mockRestore();
  });
});
