import { describe, expect, it, vi } from "vitest";
import { CacheError } from "../../../src/errors";
import {
  createWorkersAiEmbedder,
  WORKERS_AI_DEFAULT_EMBEDDING_MODEL,
} from "../../../src/semantic/embedders/workers-ai";

/** A fake `AI` binding answering `{ shape, data }` with rows built from each text's length. */
function fakeAi(dimensions: number, failures: Error[] = []) {
  const run = vi.fn(async (_model: string, inputs: { text: string[] }) => {
    const failure = failures.shift();
    if (failure) throw failure;
    const data = inputs.text.map((t) =>
      Array.from({ length: dimensions }, (_, i) => (i === 0 ? t.length : 1)),
    );
    return { shape: [data.length, dimensions], data, pooling: "cls" };
  });
  return { ai: { run } as unknown as Ai, run };
}

const fast = { baseDelayMs: 1, sleep: async () => {} };

describe("Workers AI embedder", () => {
  it("calls bge-m3 by default with { text } and returns 1024-d unit vectors in order", async () => {
    const { ai, run } = fakeAi(1024);
    const embedder = createWorkersAiEmbedder(ai);
    expect(embedder).toMatchObject({ model: "@cf/baai/bge-m3", dimensions: 1024 });
    const vectors = await embedder.embed(["a", "abcd"]);
    expect(run).toHaveBeenCalledWith(WORKERS_AI_DEFAULT_EMBEDDING_MODEL, {
      text: ["a", "abcd"],
      truncate_inputs: true,
    });
    expect(vectors).toHaveLength(2);
    const norm = (v: Float32Array) => Math.hypot(...v);
    expect(norm(vectors[0] as Float32Array)).toBeCloseTo(1, 5);
    // Row 1 started as [4, 1, 1, …]: its first component stays the largest after normalising.
    expect(vectors[1]?.[0]).toBeCloseTo(4 / Math.sqrt(16 + 1023), 5);
  });

  it("splits inputs into batches of at most the model's limit (100)", async () => {
    const { ai, run } = fakeAi(1024);
    const texts = Array.from({ length: 250 }, (_, i) => `t${i}`);
    const vectors = await createWorkersAiEmbedder(ai, { batchSize: 500 }).embed(texts);
    expect(run.mock.calls.map((c) => c[1].text.length)).toEqual([100, 100, 50]);
    expect(run.mock.calls[2]?.[1].text[0]).toBe("t200");
    expect(vectors).toHaveLength(250);
  });

  it("uses a known model's size, and needs dimensions for an unknown model", () => {
    const { ai } = fakeAi(384);
    expect(createWorkersAiEmbedder(ai, { model: "@cf/baai/bge-small-en-v1.5" }).dimensions).toBe(384);
    expect(() => createWorkersAiEmbedder(ai, { model: "@cf/some/new-model" })).toThrow(
      /EMBEDDINGS_DIMENSIONS/,
    );
    expect(createWorkersAiEmbedder(ai, { model: "@cf/some/new-model", dimensions: 256 }).dimensions).toBe(
      256,
    );
  });

  it("retries capacity errors, then maps a final error to upstream_error", async () => {
    const { ai, run } = fakeAi(1024, [new Error("3040: Capacity temporarily exceeded")]);
    await expect(createWorkersAiEmbedder(ai, fast).embed(["x"])).resolves.toHaveLength(1);
    expect(run).toHaveBeenCalledTimes(2);

    const bad = fakeAi(1024, [new Error("5006: Invalid input")]);
    const error = await createWorkersAiEmbedder(bad.ai, fast)
      .embed(["x"])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheError);
    expect(error).toMatchObject({ code: "upstream_error", retryable: false, message: /Invalid input/ });
    expect(bad.run).toHaveBeenCalledTimes(1);
  });

  it("rejects an answer with the wrong number or size of vectors", async () => {
    const { ai } = fakeAi(768);
    await expect(createWorkersAiEmbedder(ai).embed(["x"])).rejects.toThrow(/vector of 768, not 1024/);
    const short = {
      run: async () => ({ shape: [1, 1024], data: [new Array(1024).fill(1)] }),
    } as unknown as Ai;
    await expect(createWorkersAiEmbedder(short).embed(["x", "y"])).rejects.toThrow(/1 vectors for 2 texts/);
    const async = { run: async () => ({ request_id: "abc" }) } as unknown as Ai;
    await expect(createWorkersAiEmbedder(async).embed(["x"])).rejects.toThrow(/no `data` array/);
  });
});
