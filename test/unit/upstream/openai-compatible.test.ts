import { afterEach, describe, expect, it, vi } from "vitest";
import { CacheError } from "../../../src/errors";
import { collect } from "../../../src/upstream";
import { createDeepSeekUpstream } from "../../../src/upstream/deepseek";
import { buildChatRequest, createOpenAICompatibleUpstream } from "../../../src/upstream/openai-compatible";
import { FAKE_UPSTREAM_URL, type FakeUpstream, fake, installFakeUpstream } from "../../helpers/fake-upstream";
import { rejectionOf, toArray } from "../../helpers/streams";
import { chatParams } from "./params";

const fast = { baseDelayMs: 1, maxDelayMs: 2 };
let upstream: FakeUpstream | undefined;
afterEach(() => upstream?.restore());

const client = (extra: Partial<Parameters<typeof createOpenAICompatibleUpstream>[0]> = {}) =>
  createOpenAICompatibleUpstream({ baseUrl: FAKE_UPSTREAM_URL, apiKey: "sk-test-key", ...fast, ...extra });

/** An SSE response built from raw event payloads. */
const sse = (...events: string[]) =>
  new Response(events.map((e) => `data: ${e}\n\n`).join(""), {
    headers: { "content-type": "text/event-stream" },
  });

describe("OpenAI-compatible request", () => {
  it("POSTs every non-null parameter to /chat/completions with stream and usage on", async () => {
    upstream = installFakeUpstream();
    const params = chatParams({ max_tokens: 512, stop: ["###"], seed: 7, response_format: { type: "text" } });
    await collect(client({ model: "r1-served" }).stream(params));
    const [call] = upstream.calls.requests;
    expect(call?.url).toBe(`${FAKE_UPSTREAM_URL}/chat/completions`);
    expect(call?.method).toBe("POST");
    expect(call?.headers.authorization).toBe("Bearer sk-test-key");
    expect(call?.headers["content-type"]).toBe("application/json");
    expect(call?.body).toEqual({
      model: "r1-served",
      messages: params.messages,
      temperature: 0.6,
      top_p: 0.95,
      max_tokens: 512,
      stop: ["###"],
      seed: 7,
      response_format: { type: "text" },
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("omits null parameters, keeps the client's model without an override, and sends no key without one", () => {
    const body = buildChatRequest(chatParams());
    expect(Object.keys(body).sort()).toEqual([
      "messages",
      "model",
      "stream",
      "stream_options",
      "temperature",
      "top_p",
    ]);
    expect(body.model).toBe("deepseek-r1");
  });

  it("sends no Authorization header without an API key", async () => {
    upstream = installFakeUpstream();
    await collect(client({ apiKey: undefined }).stream(chatParams()));
    expect(upstream.calls.requests[0]?.headers.authorization).toBeUndefined();
  });
});

describe("OpenAI-compatible stream", () => {
  it("turns reasoning_content and content deltas into events, then one done with usage", async () => {
    upstream = installFakeUpstream({
      behaviours: [fake.ok({ reasoning: "Think a bit.", content: "Answer here." })],
    });
    const events = await toArray(client().stream(chatParams()));
    expect(events.filter((e) => e.type === "delta" && e.reasoning).length).toBe(3);
    expect(events.at(-1)).toEqual({
      type: "done",
      finishReason: "stop",
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
    expect(events.filter((e) => e.type === "done")).toHaveLength(1);
    const result = await collect(client().stream(chatParams()));
    expect(result.content).toContain("Fake answer to");
  });

  it("keeps reasoning and content apart and in order", async () => {
    upstream = installFakeUpstream({
      fallback: fake.ok({ reasoning: "R1 R2", content: "C1 C2", finishReason: "length" }),
    });
    const result = await collect(client().stream(chatParams()));
    expect(result).toMatchObject({ reasoning: "R1 R2", content: "C1 C2", finishReason: "length" });
  });

  it("replays a plain JSON reply from a server that ignored stream: true", async () => {
    const reply = {
      choices: [{ message: { content: "Hi.", reasoning_content: "Greet." }, finish_reason: "stop" }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    };
    const fetch = vi.fn(async () => Response.json(reply));
    const events = await toArray(client({ fetch }).stream(chatParams()));
    expect(events).toEqual([
      { type: "delta", reasoning: "Greet.", content: "Hi." },
      { type: "done", finishReason: "stop", usage: reply.usage },
    ]);
  });

  it("throws upstream_truncated when the stream closes before finish_reason and [DONE]", async () => {
    upstream = installFakeUpstream({ behaviours: [fake.truncate()] });
    const seen: string[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const event of client().stream(chatParams()))
          if (event.type === "delta") seen.push(event.type);
      })(),
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(error).toMatchObject({ code: "upstream_truncated" });
  });

  it("accepts a stream that has finish_reason but no [DONE], and one with [DONE] but no finish_reason", async () => {
    const finishOnly = sse('{"choices":[{"delta":{"content":"a"},"finish_reason":"stop"}]}');
    const doneOnly = sse('{"choices":[{"delta":{"content":"b"}}]}', "[DONE]");
    expect((await collect(client({ fetch: async () => finishOnly }).stream(chatParams()))).content).toBe("a");
    expect((await collect(client({ fetch: async () => doneOnly }).stream(chatParams()))).finishReason).toBe(
      "stop",
    );
  });

  it("fails with upstream_timeout when the stream goes idle longer than timeoutMs", async () => {
    upstream = installFakeUpstream({ behaviours: [fake.stall()] });
    const error = await rejectionOf(collect(client({ timeoutMs: 30 }).stream(chatParams())));
    expect(error).toMatchObject({ code: "upstream_timeout" });
  });

  it("fails with upstream_timeout when the upstream never answers", async () => {
    upstream = installFakeUpstream({ behaviours: [fake.hang()] });
    const error = await rejectionOf(collect(client({ timeoutMs: 20 }).stream(chatParams())));
    expect(error).toMatchObject({ code: "upstream_timeout" });
    expect(upstream.calls.count).toBe(1);
  });

  it("turns an error object inside the stream into upstream_error", async () => {
    const fetch = async () =>
      sse('{"choices":[{"delta":{"content":"par"}}]}', '{"error":{"message":"overloaded","code":503}}');
    const error = await rejectionOf(collect(client({ fetch }).stream(chatParams())));
    expect(error).toBeInstanceOf(CacheError);
    expect(error).toMatchObject({ code: "upstream_error", upstreamStatus: 503, retryable: true });
    expect((error as CacheError).message).toContain("overloaded");
  });

  it("turns a connection broken mid-body into upstream_truncated", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('data: {"choices":[{"delta":{"content":"x"}}]}\n\n'));
        controller.error(new TypeError("Network connection lost."));
      },
    });
    const fetch = async () => new Response(body, { headers: { "content-type": "text/event-stream" } });
    expect(await rejectionOf(collect(client({ fetch }).stream(chatParams())))).toMatchObject({
      code: "upstream_truncated",
    });
  });

  it("retries a 500 before the first byte, then streams", async () => {
    upstream = installFakeUpstream({ behaviours: [fake.status(500, "oops"), fake.ok({ content: "fine" })] });
    const result = await collect(client().stream(chatParams()));
    expect(result.content).toBe("fine");
    expect(upstream.calls.count).toBe(2);
  });

  it("carries the upstream status and never retries a 400", async () => {
    upstream = installFakeUpstream({ behaviours: [fake.status(400), fake.ok()] });
    const error = await rejectionOf(collect(client().stream(chatParams())));
    expect(error).toMatchObject({ code: "upstream_error", upstreamStatus: 400, retryable: false });
    expect(upstream.calls.count).toBe(1);
  });

  it("splits inline <think> tags when the format is think-tags", async () => {
    upstream = installFakeUpstream({
      fallback: fake.ok({ reasoning: "", content: "plan it</think>\n\nThe answer." }),
    });
    const result = await collect(client({ reasoningFormat: "think-tags" }).stream(chatParams()));
    expect(result).toMatchObject({ reasoning: "plan it", content: "The answer." });
  });
});

describe("DeepSeek", () => {
  it("calls api.deepseek.com with deepseek-reasoner and still sends temperature and top_p", async () => {
    const fetch = vi.fn<typeof globalThis.fetch>(async () =>
      sse(
        '{"choices":[{"delta":{"reasoning_content":"r"}}]}',
        '{"choices":[{"delta":{"content":"c"},"finish_reason":"stop"}]}',
        "[DONE]",
      ),
    );
    const deepseek = createDeepSeekUpstream({ apiKey: "sk-deepseek", fetch });
    expect(deepseek).toMatchObject({ name: "deepseek", reasoningFormat: "reasoning_content" });
    const result = await collect(deepseek.stream(chatParams({ temperature: 0.2, top_p: 0.5 })));
    expect(result).toMatchObject({ reasoning: "r", content: "c", finishReason: "stop" });
    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(url).toBe("https://api.deepseek.com/chat/completions");
    expect(new Headers(init?.headers).get("authorization")).toBe("Bearer sk-deepseek");
    const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
    expect(body).toMatchObject({ model: "deepseek-reasoner", temperature: 0.2, top_p: 0.5, stream: true });
  });

  it("honours a custom base URL", async () => {
    upstream = installFakeUpstream();
    await collect(createDeepSeekUpstream({ apiKey: "k", baseUrl: FAKE_UPSTREAM_URL }).stream(chatParams()));
    expect(upstream.calls.bodies[0]?.model).toBe("deepseek-reasoner");
  });
});
