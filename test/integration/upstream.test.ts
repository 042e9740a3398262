import { afterEach, describe, expect, it } from "vitest";
import { FAKE_UPSTREAM_URL, type FakeUpstream, fake, installFakeUpstream } from "../helpers/fake-upstream";
import { call, chat, sseData } from "../helpers/worker";

/** The worker pointed at the fake OpenAI-compatible upstream, with fast retries and a short timeout. */
const UPSTREAM = {
  R1_UPSTREAM: "openai",
  OPENAI_BASE_URL: FAKE_UPSTREAM_URL,
  OPENAI_API_KEY: "sk-upstream-secret",
  UPSTREAM_TIMEOUT_MS: "300",
  UPSTREAM_RETRIES: "2",
};
const ask = (prompt: string, extra: Record<string, unknown> = {}) =>
  call("/v1/chat/completions", { body: chat(prompt, extra), env: UPSTREAM });

let upstream: FakeUpstream | undefined;
afterEach(() => upstream?.restore());

describe("upstream failures", () => {
  it("502 with the upstream's status when it keeps failing, and the error is not cached", async () => {
    upstream = installFakeUpstream({ fallback: fake.status(500) });
    const res = await ask("upstream 500");
    expect(res.status).toBe(502);
    expect(res.json().error).toMatchObject({ type: "upstream_error", upstream_status: 500 });
    expect(upstream.calls.count).toBe(3);
    const again = await ask("upstream 500");
    expect(again.status).toBe(502);
    expect(upstream.calls.count).toBe(6);
  });

  it("retries a 429 and then answers", async () => {
    upstream = installFakeUpstream({
      behaviours: [fake.status(429, undefined, { "retry-after": "0" }), fake.ok()],
    });
    const res = await ask("upstream 429 then ok");
    expect(res.status).toBe(200);
    expect(upstream.calls.count).toBe(2);
    expect(res.json().choices[0].message.content).toContain("upstream 429 then ok");
  });

  it("does not retry a 400: the request itself is wrong", async () => {
    upstream = installFakeUpstream({ fallback: fake.status(400) });
    const res = await ask("upstream 400");
    expect(res.status).toBe(502);
    expect(res.json().error.upstream_status).toBe(400);
    expect(upstream.calls.count).toBe(1);
  });

  it("504 when the upstream does not answer in time", async () => {
    upstream = installFakeUpstream({ fallback: fake.hang() });
    const res = await ask("upstream hangs");
    expect(res.status).toBe(504);
    expect(res.json().error.type).toBe("upstream_timeout");
  });

  it("never caches a truncated stream", async () => {
    upstream = installFakeUpstream({ behaviours: [fake.truncate()], fallback: fake.ok() });
    const cut = await ask("truncated answer", { stream: true });
    expect(cut.status).toBe(200);
    const events = sseData(cut.text);
    expect(events).not.toContain("[DONE]");
    expect(events.at(-1)).toContain("upstream_truncated");
    const retry = await ask("truncated answer");
    expect(retry.headers.get("x-r1cache")).toBe("MISS");
    expect(upstream.calls.count).toBe(2);
    expect((await ask("truncated answer")).headers.get("x-r1cache")).toBe("HIT");
  });

  it("sends the client's parameters and its own key upstream, never the client's", async () => {
    upstream = installFakeUpstream();
    await ask("what is sent", { temperature: 0.3, max_tokens: 99, stop: "END" });
    const [request] = upstream.calls.requests;
    expect(request?.headers.authorization).toBe("Bearer sk-upstream-secret");
    expect(request?.body).toMatchObject({ temperature: 0.3, max_tokens: 99, stop: ["END"], stream: true });
  });
});

describe("coalescing", () => {
  it("10 concurrent identical misses make one upstream call", async () => {
    upstream = installFakeUpstream({ delayMs: 100, chunkDelayMs: 5 });
    const responses = await Promise.all(Array.from({ length: 10 }, () => ask("coalesce me")));
    expect(upstream.calls.count).toBe(1);
    const contents = new Set(responses.map((r) => r.json().choices[0].message.content));
    expect(contents.size).toBe(1);
    expect(responses.filter((r) => r.headers.get("x-r1cache-coalesced") === "1")).toHaveLength(9);
  });

  it("coalesces streaming and non-streaming clients onto one call", async () => {
    upstream = installFakeUpstream({ delayMs: 100, chunkDelayMs: 5 });
    const [streamed, plain] = await Promise.all([
      ask("one call for streamed and plain clients", { stream: true }),
      ask("one call for streamed and plain clients"),
    ]);
    expect(upstream.calls.count).toBe(1);
    expect(sseData(streamed.text).at(-1)).toBe("[DONE]");
    expect(plain.status).toBe(200);
  });

  it("every follower sees the leader's failure, and nothing is stored", async () => {
    upstream = installFakeUpstream({
      behaviours: [fake.status(503, undefined, { "retry-after": "0" })],
      delayMs: 50,
    });
    const ENV = { ...UPSTREAM, UPSTREAM_RETRIES: "0" };
    const responses = await Promise.all(
      Array.from({ length: 4 }, () =>
        call("/v1/chat/completions", { body: chat("coalesced failure"), env: ENV }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual([502, 502, 502, 502]);
    expect(upstream.calls.count).toBe(1);
  });
});
