import { describe, expect, it, vi } from "vitest";
import { CacheError } from "../../../src/errors";
import { createOpenAIEmbedder } from "../../../src/semantic/embedders/openai";

const KEY = "sk-test-secret-1234567890";

/** A fake fetch that records requests and answers from a script of responses. */
function fakeFetch(...answers: Array<Response | Error>) {
  const calls: Array<{ url: string; init: RequestInit; body: { model: string; input: string[] } }> = [];
  const fetch = vi.fn(async (url: string, init: RequestInit = {}) => {
    calls.push({ url, init, body: JSON.parse(String(init.body)) });
    const next = answers.shift();
    if (next instanceof Error) throw next;
    if (!next) throw new Error("no scripted answer left");
    return next;
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

/** An OpenAI `/embeddings` answer, with `data` in the given order of indices. */
function answer(order: number[], dimensions = 3) {
  const data = order.map((index) => ({
    object: "embedding",
    index,
    embedding: Array.from({ length: dimensions }, (_, i) => (i === 0 ? index + 1 : 0)),
  }));
  return Response.json({ object: "list", data, model: "m", usage: { prompt_tokens: 1, total_tokens: 1 } });
}

const base = {
  baseUrl: "https://emb.example/v1/",
  apiKey: KEY,
  model: "text-embedding-3-small",
  dimensions: 3,
};
const fast = { retries: 1, baseDelayMs: 1, sleep: async () => {} };

describe("OpenAI-compatible embedder", () => {
  it("POSTs model and input to baseUrl + /embeddings with the bearer key", async () => {
    const { fetch, calls } = fakeFetch(answer([0, 1]));
    const embedder = createOpenAIEmbedder({ ...base, fetch });
    expect(embedder).toMatchObject({ model: "text-embedding-3-small", dimensions: 3 });
    await embedder.embed(["a", "b"]);
    expect(calls[0]?.url).toBe("https://emb.example/v1/embeddings");
    expect(calls[0]?.init.method).toBe("POST");
    const headers = new Headers(calls[0]?.init.headers);
    expect(headers.get("authorization")).toBe(`Bearer ${KEY}`);
    expect(headers.get("content-type")).toBe("application/json");
    expect(calls[0]?.body).toEqual({
      model: "text-embedding-3-small",
      input: ["a", "b"],
      encoding_format: "float",
    });
  });

  it("sends no authorization without a key, and dimensions only when asked", async () => {
    const { fetch, calls } = fakeFetch(answer([0]));
    await createOpenAIEmbedder({ ...base, apiKey: undefined, requestDimensions: true, fetch }).embed(["a"]);
    expect(new Headers(calls[0]?.init.headers).has("authorization")).toBe(false);
    expect(calls[0]?.body).toMatchObject({ dimensions: 3 });
  });

  it("orders results by index and normalises them", async () => {
    const { fetch } = fakeFetch(answer([2, 0, 1]));
    const vectors = await createOpenAIEmbedder({ ...base, fetch }).embed(["x", "y", "z"]);
    // Each row is [index + 1, 0, 0] before normalising: all become [1, 0, 0], in input order.
    expect(vectors.map((v) => Array.from(v))).toEqual([
      [1, 0, 0],
      [1, 0, 0],
      [1, 0, 0],
    ]);
    const { fetch: fetch2 } = fakeFetch(
      Response.json({
        data: [
          { index: 1, embedding: [0, 2, 0] },
          { index: 0, embedding: [3, 0, 0] },
        ],
      }),
    );
    const [first, second] = await createOpenAIEmbedder({ ...base, fetch: fetch2 }).embed(["a", "b"]);
    expect(Array.from(first ?? [])).toEqual([1, 0, 0]);
    expect(Array.from(second ?? [])).toEqual([0, 1, 0]);
  });

  it("splits large inputs into batches", async () => {
    const { fetch, calls } = fakeFetch(answer([0, 1]), answer([0]));
    const vectors = await createOpenAIEmbedder({ ...base, batchSize: 2, fetch }).embed(["a", "b", "c"]);
    expect(calls.map((c) => c.body.input)).toEqual([["a", "b"], ["c"]]);
    expect(vectors).toHaveLength(3);
  });

  it("maps HTTP errors to upstream_error without the key in the message", async () => {
    const echo = new Response(`{"error":{"message":"Incorrect API key provided: ${KEY}"}}`, { status: 401 });
    const { fetch } = fakeFetch(echo);
    const error = await createOpenAIEmbedder({ ...base, fetch, ...fast })
      .embed(["a"])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheError);
    expect(error).toMatchObject({ code: "upstream_error", upstreamStatus: 401 });
    expect((error as Error).message).toContain("HTTP 401");
    expect((error as Error).message).not.toContain(KEY);
  });

  it("retries a 503 and a network error, and rejects malformed or mis-sized answers", async () => {
    const { fetch, calls } = fakeFetch(new Response("busy", { status: 503 }), answer([0]));
    await expect(createOpenAIEmbedder({ ...base, fetch, ...fast }).embed(["a"])).resolves.toHaveLength(1);
    expect(calls).toHaveLength(2);

    const net = fakeFetch(new TypeError(`connect failed with Bearer ${KEY}`), new TypeError("again"));
    const error = await createOpenAIEmbedder({ ...base, fetch: net.fetch, ...fast })
      .embed(["a"])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "upstream_error" });
    expect((error as Error).message).not.toContain(KEY);

    const html = fakeFetch(new Response("<html>oops</html>", { status: 200 }));
    await expect(createOpenAIEmbedder({ ...base, fetch: html.fetch }).embed(["a"])).rejects.toThrow(
      /malformed JSON/,
    );
    const wide = fakeFetch(answer([0], 5));
    await expect(createOpenAIEmbedder({ ...base, fetch: wide.fetch }).embed(["a"])).rejects.toThrow(
      /5 dimensions.*EMBEDDINGS_DIMENSIONS is 3/,
    );
    const few = fakeFetch(answer([0]));
    await expect(createOpenAIEmbedder({ ...base, fetch: few.fetch }).embed(["a", "b"])).rejects.toThrow(
      /1 embeddings for 2 texts/,
    );
  });
});
