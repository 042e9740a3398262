import { describe, expect, it } from "vitest";
import { ADMIN, call, chat, clearTier, sseData } from "../helpers/worker";

describe("OpenAI-compatible chat completions", () => {
  it("answers a miss from the upstream, then the same request from L1", async () => {
    const body = chat("What is an order block? (miss-then-hit)");
    const first = await call("/v1/chat/completions", { body });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-r1cache")).toBe("MISS");
    expect(first.headers.get("x-r1cache-key")).toMatch(/^[0-9a-f]{64}$/);
    expect(first.headers.get("server-timing")).toContain("cache;");
    const answer = first.json();
    expect(answer.object).toBe("chat.completion");
    expect(answer.choices[0].message.content).toContain("order block");
    expect(answer.choices[0].message.reasoning_content.length).toBeGreaterThan(0);

    const second = await call("/v1/chat/completions", { body });
    expect(second.headers.get("x-r1cache")).toBe("HIT");
    expect(second.headers.get("x-r1cache-tier")).toBe("l1");
    expect(second.headers.get("x-r1cache-match")).toBe("exact");
    expect(second.headers.get("x-r1cache-key")).toBe(first.headers.get("x-r1cache-key"));
    const cached = second.json();
    expect(cached.choices[0].message).toEqual(answer.choices[0].message);
    expect(cached.usage).toEqual(answer.usage);
  });

  it("streams a miss as SSE while storing it, and replays the hit as SSE", async () => {
    const body = chat("Explain fair value gaps (stream)", { stream: true });
    const miss = await call("/v1/chat/completions", { body });
    expect(miss.status).toBe(200);
    expect(miss.headers.get("content-type")).toContain("text/event-stream");
    expect(miss.headers.get("x-r1cache")).toBe("MISS");
    const missEvents = sseData(miss.text);
    expect(missEvents.at(-1)).toBe("[DONE]");
    const hit = await call("/v1/chat/completions", { body });
    expect(hit.headers.get("x-r1cache")).toBe("HIT");
    const hitEvents = sseData(hit.text);
    expect(hitEvents.at(-1)).toBe("[DONE]");
    const assemble = (events: string[]) => {
      const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
      for (const c of chunks) expect(c.object).toBe("chat.completion.chunk");
      return {
        content: chunks.map((c) => c.choices[0]?.delta.content ?? "").join(""),
        reasoning: chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? "").join(""),
        finish: chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean),
      };
    };
    const a = assemble(missEvents);
    expect(a.content.length).toBeGreaterThan(0);
    expect(a.reasoning.length).toBeGreaterThan(0);
    expect(assemble(hitEvents)).toEqual(a);
    expect(a.finish).toEqual(["stop"]);
  });

  it("serves a streamed-and-stored answer as JSON to a non-streaming client", async () => {
    const prompt = "Cross-format replay";
    const streamed = await call("/v1/chat/completions", { body: chat(prompt, { stream: true }) });
    const content = sseData(streamed.text)
      .slice(0, -1)
      .map((e) => JSON.parse(e).choices[0]?.delta.content ?? "")
      .join("");
    const json = await call("/v1/chat/completions", { body: chat(prompt, { stream: false }) });
    expect(json.headers.get("x-r1cache")).toBe("HIT");
    expect(json.json().choices[0].message.content).toBe(content);
  });

  it("sends usage in the stream when stream_options.include_usage is set", async () => {
    const res = await call("/v1/chat/completions", {
      body: chat("usage please", { stream: true, stream_options: { include_usage: true } }),
    });
    const usageChunk = sseData(res.text)
      .slice(0, -1)
      .map((e) => JSON.parse(e))
      .find((c) => c.usage);
    expect(usageChunk?.usage.total_tokens).toBeGreaterThan(0);
  });

  it("promotes an L3 hit to L1 after L1 and L2 are cleared", async () => {
    const body = chat("Promotion from D1");
    await call("/v1/chat/completions", { body });
    await clearTier("l1");
    await clearTier("l2");
    const fromD1 = await call("/v1/chat/completions", { body });
    expect(fromD1.headers.get("x-r1cache")).toBe("HIT");
    expect(fromD1.headers.get("x-r1cache-tier")).toBe("l3");
    const promoted = await call("/v1/chat/completions", { body });
    expect(promoted.headers.get("x-r1cache-tier")).toBe("l1");
  });

  it("falls through to L2 when L1 is cleared, and back-fills L1", async () => {
    const body = chat("Promotion from KV");
    await call("/v1/chat/completions", { body });
    await clearTier("l1");
    const fromKv = await call("/v1/chat/completions", { body });
    expect(fromKv.headers.get("x-r1cache-tier")).toBe("l2");
    expect((await call("/v1/chat/completions", { body })).headers.get("x-r1cache-tier")).toBe("l1");
  });

  it("lists models", async () => {
    const res = await call("/v1/models");
    expect(res.status).toBe(200);
    expect(res.json().data.map((m: { id: string }) => m.id)).toContain("deepseek-reasoner");
  });
});

describe("native API", () => {
  it("returns response and reasoning apart, with cache facts", async () => {
    const first = await call("/v1/r1/chat", { body: { prompt: "O que são Order Blocks?" } });
    expect(first.status).toBe(200);
    const miss = first.json();
    expect(miss).toMatchObject({ cached: false, match: null, tier: null });
    expect(miss.response.length).toBeGreaterThan(0);
    expect(miss.reasoning.length).toBeGreaterThan(0);
    expect(miss.key).toMatch(/^[0-9a-f]{64}$/);
    const hit = (await call("/v1/r1/chat", { body: { prompt: "O que são Order Blocks?" } })).json();
    expect(hit).toMatchObject({ cached: true, match: "exact", tier: "l1", similarity: 1, key: miss.key });
    expect(hit.response).toBe(miss.response);
    expect(typeof hit.response_time_ms).toBe("number");
  });

  it("shares entries with the OpenAI route for the same request", async () => {
    const prompt = "Shared between APIs";
    await call("/v1/r1/chat", { body: { prompt } });
    const res = await call("/v1/chat/completions", { body: chat(prompt) });
    expect(res.headers.get("x-r1cache")).toBe("HIT");
  });

  it("bypasses the cache with use_cache=false and stores nothing", async () => {
    const prompt = "Never cache me";
    const res = await call("/v1/r1/chat", { body: { prompt, use_cache: false } });
    expect(res.headers.get("x-r1cache")).toBe("BYPASS");
    const again = await call("/v1/r1/chat", { body: { prompt } });
    expect(again.json().cached).toBe(false);
  });

  it("streams native deltas and a closing summary", async () => {
    const res = await call("/v1/r1/chat", { body: { prompt: "stream natively", stream: true } });
    const events = sseData(res.text);
    expect(events.at(-1)).toBe("[DONE]");
    const summary = JSON.parse(events.at(-2) ?? "{}");
    expect(summary).toMatchObject({ done: true, cached: false });
    expect(events.some((e) => e.includes('"reasoning"'))).toBe(true);
    expect(events.some((e) => e.includes('"response"'))).toBe(true);
  });

  it("use_context with no documents asks the question as it is: no sources, the plain key", async () => {
    const res = await call("/v1/r1/chat", {
      body: { prompt: "Context: nothing stored yet", use_context: true },
    });
    expect(res.status).toBe(200);
    expect(res.json().sources).toEqual([]);
    const plain = await call("/v1/r1/chat", { body: { prompt: "Context: nothing stored yet" } });
    expect(plain.headers.get("x-r1cache")).toBe("HIT");
    expect(plain.json().key).toBe(res.json().key);
  });
});

describe("admin stats", () => {
  it("reports the seed's names, per-tier occupancy and counts hits and misses", async () => {
    const before = (await call("/admin/stats", { headers: ADMIN })).json();
    const body = chat("stats counting");
    await call("/v1/chat/completions", { body });
    await call("/v1/chat/completions", { body });
    const after = (await call("/admin/stats", { headers: ADMIN })).json();
    for (const name of [
      "hit_rate",
      "hits",
      "misses",
      "upstream_calls",
      "avg_response_time_ms",
      "memory_usage_bytes",
      "compression_ratio",
      "qps",
      "cache_size_bytes",
      "unique_entries",
      "aliases",
      "unique_chunks",
      "semantic_threshold",
    ]) {
      expect(after).toHaveProperty(name);
    }
    expect(after.misses).toBe(before.misses + 1);
    expect(after.hits).toBe(before.hits + 1);
    expect(after.upstream_calls).toBe(before.upstream_calls + 1);
    for (const tier of ["l1", "l2", "l3", "l4"]) expect(after.tiers[tier]).toHaveProperty("entries");
    expect(after.tiers.l2.entries).toBeGreaterThan(0);
    expect(after.tiers.l3.entries).toBe(after.unique_entries);
    expect(after.memory_usage_bytes).toBe(after.tiers.l1.bytes);
  });
});
