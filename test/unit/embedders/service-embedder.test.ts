import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { Env } from "../../../src/env";
import { CacheError } from "../../../src/errors";
import {
  createServiceEmbedder,
  LOCAL_EMBEDDER_DIMENSIONS,
  LOCAL_EMBEDDER_MODEL,
} from "../../../src/semantic/embedders/service";
import type { Embedder } from "../../../src/semantic/embedders/types";
import { cosine } from "../../../src/semantic/vectors/math";

const norm = (v: Float32Array) => Math.sqrt(cosine(v, v));

describe("service embedder over a fake binding", () => {
  it("normalises rows, keeps order and splits large inputs into batches", async () => {
    const embed = vi.fn(async (texts: string[]) => texts.map((t) => [t.length, 0, 0, 1]));
    const embedder = createServiceEmbedder({ embed }, { model: "fake", dimensions: 4, batchSize: 2 });
    const vectors = await embedder.embed(["a", "bbb", "cc"]);
    expect(embed.mock.calls.map((c) => c[0])).toEqual([["a", "bbb"], ["cc"]]);
    expect(Array.from(vectors[1] ?? [])).toEqual(
      [3 / Math.sqrt(10), 0, 0, 1 / Math.sqrt(10)].map(Math.fround),
    );
    expect(vectors.map(norm).every((n) => Math.abs(n - 1) < 1e-6)).toBe(true);
  });

  it("turns a failing or wrong-sized answer into an upstream_error naming EMBEDDER", async () => {
    const broken = createServiceEmbedder({ embed: async () => Promise.reject(new Error("boom")) });
    await expect(broken.embed(["x"])).rejects.toMatchObject({
      code: "upstream_error",
      message: /EMBEDDER.*boom/,
    });
    const short = createServiceEmbedder({ embed: async () => [[1, 2, 3]] });
    const error = await short.embed(["x"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheError);
    expect((error as CacheError).message).toMatch(/3-d, not 512-d/);
  });
});

// One model load for this file: the embedder worker keeps it for the life of its isolate.
describe("the bundled offline encoder through the EMBEDDER service binding", () => {
  let embedder: Embedder;
  beforeAll(() => {
    const binding = (env as Env).EMBEDDER;
    if (!binding) throw new Error("vitest.config.ts should bind EMBEDDER");
    embedder = createServiceEmbedder(binding);
  });

  it("returns one unit vector of 512 per text", async () => {
    expect(embedder).toMatchObject({ model: LOCAL_EMBEDDER_MODEL, dimensions: LOCAL_EMBEDDER_DIMENSIONS });
    const vectors = await embedder.embed(["Explain order blocks in trading", "", "ok"]);
    expect(vectors.map((v) => v.length)).toEqual([512, 512, 512]);
    for (const v of vectors) expect(norm(v)).toBeCloseTo(1, 5);
  });

  it("scores a paraphrase higher than an unrelated question", async () => {
    const [query, paraphrase, unrelated] = await embedder.embed([
      "How do I reset my password?",
      "I forgot my password, how can I change it?",
      "What is the capital of France?",
    ]);
    if (!query || !paraphrase || !unrelated) throw new Error("missing vectors");
    const close = cosine(query, paraphrase);
    const far = cosine(query, unrelated);
    expect(close).toBeGreaterThan(0.8);
    expect(far).toBeLessThan(0.4);
    expect(close - far).toBeGreaterThan(0.4);
  });

  it("is deterministic: the same text gives the same vector in one batch and alone", async () => {
    const [alone] = await embedder.embed(["Should I buy EUR/USD now?"]);
    const [, inBatch] = await embedder.embed(["What is RSI?", "Should I buy EUR/USD now?"]);
    if (!alone || !inBatch) throw new Error("missing vectors");
    expect(cosine(alone, inBatch)).toBeCloseTo(1, 5);
  });
});
