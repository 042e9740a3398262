import { describe, expect, it, vi } from "vitest";
import { CacheError } from "../../../src/errors";
import { collect } from "../../../src/upstream";
import {
  createWorkersAiUpstream,
  runError,
  WORKERS_AI_DEFAULT_MODEL,
} from "../../../src/upstream/workers-ai";
import { rejectionOf, streamOf } from "../../helpers/streams";
import { chatParams } from "./params";

/** SSE as Workers AI streams it: `{"response": …}` events, a usage event, then [DONE]. */
function aiStream(pieces: string[], usage?: object, done = true) {
  const events = pieces.map((p) => `data: ${JSON.stringify({ response: p })}\n\n`);
  if (usage) events.push(`data: ${JSON.stringify({ response: "", usage })}\n\n`);
  if (done) events.push("data: [DONE]\n\n");
  return streamOf(events);
}

/** A fake `AI` binding whose run() answers from a script (streams, objects or errors). */
function fakeAi(...script: Array<ReadableStream | object | Error>) {
  const run = vi.fn(async (_model: string, _inputs: object, _options?: { signal?: AbortSignal }) => {
    const next = script.shift();
    if (next instanceof Error) throw next;
    return next;
  });
  return { ai: { run } as unknown as Ai, run };
}

const fast = { baseDelayMs: 1, maxDelayMs: 1 };

describe("Workers AI upstream", () => {
  it("calls ai.run with the default model and the request's messages and sampling parameters", async () => {
    const { ai, run } = fakeAi(aiStream(["ok</think>fine"]));
    const upstream = createWorkersAiUpstream({ ai });
    expect(upstream).toMatchObject({ name: "workers-ai", reasoningFormat: "think-tags" });
    const params = chatParams({
      messages: [
        { role: "developer", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
      max_tokens: 300,
      seed: 42,
    });
    await collect(upstream.stream(params));
    expect(run).toHaveBeenCalledTimes(1);
    const [model, inputs, options] = run.mock.calls[0] ?? [];
    expect(model).toBe(WORKERS_AI_DEFAULT_MODEL);
    expect(model).toBe("@cf/deepseek-ai/deepseek-r1-distill-qwen-32b");
    expect(inputs).toEqual({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
      stream: true,
      max_tokens: 300,
      temperature: 0.6,
      top_p: 0.95,
      seed: 42,
    });
    expect(options?.signal).toBeInstanceOf(AbortSignal);
  });

  it("uses the configured model, and a generous max_tokens when the client gave none", async () => {
    const { ai, run } = fakeAi(aiStream(["x</think>y"]));
    await collect(
      createWorkersAiUpstream({ ai, model: "@cf/other/model", defaultMaxTokens: 2048 }).stream(chatParams()),
    );
    expect(run.mock.calls[0]?.[0]).toBe("@cf/other/model");
    expect(run.mock.calls[0]?.[1]).toMatchObject({ max_tokens: 2048 });
    expect(run.mock.calls[0]?.[1]).not.toHaveProperty("seed");
  });

  it("splits reasoning from the answer across chunk boundaries and reports usage", async () => {
    const usage = { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 };
    const { ai } = fakeAi(
      aiStream(["The user asks", " about blocks.\n</th", "ink>\n\nOrder blocks", " are zones."], usage),
    );
    const result = await collect(createWorkersAiUpstream({ ai }).stream(chatParams()));
    expect(result).toEqual({
      reasoning: "The user asks about blocks.",
      content: "Order blocks are zones.",
      finishReason: "stop",
      usage,
    });
  });

  it("reports finish reason length when the completion used all of max_tokens", async () => {
    const usage = { prompt_tokens: 5, completion_tokens: 50, total_tokens: 55 };
    const { ai } = fakeAi(aiStream(["still thinking"], usage));
    const result = await collect(createWorkersAiUpstream({ ai }).stream(chatParams({ max_tokens: 50 })));
    expect(result).toMatchObject({ reasoning: "still thinking", content: "", finishReason: "length" });
  });

  it("throws upstream_truncated when the stream ends without [DONE]", async () => {
    const { ai } = fakeAi(aiStream(["half a thought"], undefined, false));
    const error = await rejectionOf(collect(createWorkersAiUpstream({ ai }).stream(chatParams())));
    expect(error).toMatchObject({ code: "upstream_truncated" });
  });

  it("retries capacity errors from ai.run, but not bad input", async () => {
    const busy = fakeAi(
      new Error("3040: Capacity temporarily exceeded, please try again."),
      aiStream(["a</think>b"]),
    );
    const result = await collect(createWorkersAiUpstream({ ai: busy.ai, ...fast }).stream(chatParams()));
    expect(result.content).toBe("b");
    expect(busy.run).toHaveBeenCalledTimes(2);

    const bad = fakeAi(new Error("5006: Error: required properties at '/' are 'prompt'"), aiStream(["x"]));
    const error = await rejectionOf(
      collect(createWorkersAiUpstream({ ai: bad.ai, ...fast }).stream(chatParams())),
    );
    expect(error).toBeInstanceOf(CacheError);
    expect(error).toMatchObject({ code: "upstream_error", upstreamStatus: 400, retryable: false });
    expect(bad.run).toHaveBeenCalledTimes(1);
  });

  it("classifies ai.run errors", () => {
    expect(runError(new Error("3040: Capacity temporarily exceeded"))).toMatchObject({
      upstreamStatus: 429,
      retryable: true,
    });
    expect(runError(new Error("InferenceUpstreamError: internal server error"))).toMatchObject({
      retryable: true,
    });
    expect(runError("weird")).toMatchObject({ code: "upstream_error", retryable: false });
  });

  it("times out when ai.run never answers", async () => {
    const run = vi.fn(() => new Promise<never>(() => {}));
    const upstream = createWorkersAiUpstream({ ai: { run } as unknown as Ai, timeoutMs: 20 });
    expect(await rejectionOf(collect(upstream.stream(chatParams())))).toMatchObject({
      code: "upstream_timeout",
    });
    expect(run).toHaveBeenCalledTimes(1);
  });

  it("accepts a non-streamed object reply", async () => {
    const { ai } = fakeAi({
      response: "<think>r</think>c",
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    });
    const result = await collect(createWorkersAiUpstream({ ai }).stream(chatParams()));
    expect(result).toMatchObject({
      reasoning: "r",
      content: "c",
      finishReason: "stop",
      usage: { total_tokens: 3 },
    });
  });
});
