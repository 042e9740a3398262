import { afterAll, describe, expect, expectTypeOf, it } from "vitest";
import type { CacheConfig as ClientConfig, ServerErrorCode } from "../../client/src/index";
import { R1CacheError } from "../../client/src/index";
import type { CacheConfig } from "../../src/config";
import type { ErrorCode } from "../../src/errors";
import { workerClient } from "../helpers/client";
import { rejectionOf } from "../helpers/streams";

const client = workerClient();

afterAll(async () => {
  await client.resetConfig();
});

describe("client: context", () => {
  it("addContext stores a document, chat with useContext answers from it, listContexts and deleteContext", async () => {
    const text = "# Client handbook\n\nThe client library retries idempotent calls three times.";
    const added = await client.addContext(text, { contextId: "client-doc", chunkTokens: 64 });
    expect(added).toMatchObject({ context_id: "client-doc", chunks: 1, new_chunks: 1, replaced: false });
    const answer = await client.chat({
      prompt: "How many times does the client library retry?",
      useContext: true,
    });
    expect(answer.sources?.[0]).toMatchObject({
      context_id: "client-doc",
      text: expect.stringContaining("three times"),
    });
    const listed = await client.listContexts();
    expect(listed.contexts.map((c) => c.context_id)).toContain("client-doc");
    expect(await client.deleteContext("client-doc")).toMatchObject({ deleted: true, removed_chunks: 1 });
  });
});

describe("client: chat", () => {
  it("chat answers a miss, then the same prompt from L1, with the x-r1cache headers as cache", async () => {
    const miss = await client.chat("What is an order block? (client json)");
    expect(miss).toMatchObject({ cached: false, tier: null });
    expect(miss.response).toContain("order block");
    expect(miss.reasoning.length).toBeGreaterThan(0);
    expect(miss.cache).toMatchObject({ status: "MISS", tier: null, key: miss.key });

    const hit = await client.chat({ prompt: "What is an order block? (client json)" });
    expect(hit).toMatchObject({ cached: true, tier: "l1", match: "exact", response: miss.response });
    expect(hit.cache).toMatchObject({
      status: "HIT",
      tier: "l1",
      match: "exact",
      similarity: 1,
      key: miss.key,
    });
  });

  it("chat streams reasoning, then content, to [DONE]; the second call replays the hit", async () => {
    const request = { prompt: "Explain fair value gaps (client stream)", stream: true } as const;
    const miss = await client.chat(request);
    expect(miss.cache.status).toBe("MISS");
    const types: string[] = [];
    let content = "";
    for await (const delta of miss) {
      if (types.at(-1) !== delta.type) types.push(delta.type);
      if (delta.type === "content") content += delta.text;
    }
    expect(types).toEqual(["reasoning", "content"]);
    expect(content).toContain("fair value gaps");
    expect(miss.end).toMatchObject({ cached: false, finish_reason: "stop", key: miss.cache.key });

    const hit = await client.chat(request);
    expect(hit.cache).toMatchObject({ status: "HIT", tier: "l1", match: "exact" });
    const replay = await hit.collect();
    expect(replay.content).toBe(content);
    expect(replay.end).toMatchObject({ cached: true, tier: "l1" });
  });

  it("chatCompletion speaks the OpenAI route, JSON and streamed", async () => {
    const messages = [{ role: "user" as const, content: "What is liquidity? (client completion)" }];
    const json = await client.chatCompletion({ model: "deepseek-reasoner", messages });
    expect(json.cache.status).toBe("MISS");
    const message = json.choices[0]?.message;
    const stream = await client.chatCompletion({ model: "deepseek-reasoner", messages, stream: true });
    expect(stream.cache).toMatchObject({ status: "HIT", tier: "l1" });
    const { reasoning, content, end } = await stream.collect();
    expect({ reasoning, content }).toEqual({
      reasoning: message?.reasoning_content,
      content: message?.content,
    });
    expect(end.finish_reason).toBe("stop");
  });

  it("cache controls become request headers: lookup false asks R1 again", async () => {
    await client.chat("Cache controls from the client");
    const fresh = await client.chat("Cache controls from the client");
    expect(fresh.cache.status).toBe("HIT");
    const bypass = await client.chat("Cache controls from the client", { cache: { lookup: false } });
    expect(bypass.cache.status).not.toBe("HIT");
  });

  it("searchSimilar shows the stored paraphrase with its similarity and verdict", async () => {
    await client.chat("How do I reset my password? (client search)");
    const result = await client.searchSimilar("How can I reset my password? (client search)", { k: 3 });
    const match = result.matches.find((m) => m.prompt === "How do I reset my password? (client search)");
    expect(match).toMatchObject({ verdict: "accept", key: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(match?.similarity).toBeGreaterThan(0.8);
    expect(result.mode).toMatch(/calibrated|rules-only/);
  });
});

describe("client: admin", () => {
  it("getCacheStats counts the hits, clearCache empties a tier and the next hit comes from below", async () => {
    const prompt = "What is a breaker block? (client admin)";
    await client.chat(prompt);
    await client.chat(prompt);
    const stats = await client.getCacheStats();
    expect(stats.hits).toBeGreaterThan(0);
    expect(stats.tiers.l1?.entries).toBeGreaterThan(0);
    expect(stats).toHaveProperty("hit_rate");

    const cleared = await client.clearCache("l1");
    expect(Object.keys(cleared.cleared)).toEqual(["l1"]);
    expect((await client.getCacheStats()).tiers.l1?.entries).toBe(0);
    const again = await client.chat(prompt);
    expect(again.cache).toMatchObject({ status: "HIT", tier: "l2" });
  });

  it("the setters change the running config", async () => {
    expect((await client.setEvictionPolicy("lfu")).evictionPolicy).toBe("lfu");
    expect((await client.setCompressionMode("gzip")).compression).toBe("gzip");
    expect((await client.enableAutoTuning()).autoTune).toBe(true);
    expect((await client.setCacheStrategy("write-through")).writePolicy).toBe("write-through");
    expect(await client.getConfig()).toMatchObject({
      evictionPolicy: "lfu",
      compression: "gzip",
      autoTune: true,
      writePolicy: "write-through",
    });
    expect((await client.enableAutoTuning(false)).autoTune).toBe(false);
    expect((await client.resetConfig()).evictionPolicy).toBe("lru");
  });

  it("a bad value is a typed 400 naming the field, with the server's message", async () => {
    const error = await rejectionOf(client.setEvictionPolicy("fifo" as never));
    expect(error).toBeInstanceOf(R1CacheError);
    expect(error).toMatchObject({
      status: 400,
      code: "bad_request",
      param: "evictionPolicy",
      retryable: false,
    });
    expect((error as R1CacheError).message).toMatch(/^evictionPolicy: .*"lru"\|"lfu"/);
  });

  it("optimizeCache, defragmentCache and rebuildCache run resumable passes and report them typed", async () => {
    await client.chat("Maintained through the typed client");
    const first = await client.optimizeCache({ batch: 1, restart: true });
    expect(first).toMatchObject({ job: "optimize", run: { resumed: false } });
    if (first.more) expect(first.cursor).toMatch(/^[0-9a-f]{64}$/);
    const defrag = await client.defragmentCache({ batch: 5000, restart: true });
    expect(defrag).toMatchObject({ job: "defragment", more: false, cursor: null, d1Optimized: true });
    const rebuilt = await client.rebuildCache({ restart: true });
    expect(rebuilt.job).toBe("rebuild");
    expect(rebuilt.run.totals.scanned).toBeGreaterThanOrEqual(1);
  });

  it("runMaintenance runs one bounded pass and reports it", async () => {
    const report = await client.runMaintenance("cleanup", { batch: 10 });
    expect(report).toMatchObject({ job: "cleanup", more: expect.any(Boolean) });
  });
});

describe("client: errors", () => {
  it("a missing route is a typed 404 carrying the server's message", async () => {
    const old = workerClient({ baseUrl: "https://cache.test/not-here" });
    const error = await rejectionOf(old.getCacheStats());
    expect(error).toBeInstanceOf(R1CacheError);
    expect(error).toMatchObject({
      status: 404,
      code: "not_found",
      message: "No route for GET /not-here/admin/stats",
    });
  });

  it.each([
    ["backupCache", () => client.backupCache()],
    ["restoreCache", () => client.restoreCache("backups/none")],
    ["warmupCache", () => client.warmupCache(["What is an order block?"])],
    ["addContext", () => client.addContext("Order blocks are ...")],
  ])("%s answers, or fails typed where this worker lacks the route", async (_name, run) => {
    try {
      expect(await run()).toBeTypeOf("object");
    } catch (error) {
      // 404: the route is not in this worker; 501: it is, but not enabled; 400: restore of a missing key.
      expect(error).toBeInstanceOf(R1CacheError);
      const { status, message } = error as R1CacheError;
      expect([400, 404, 501]).toContain(status);
      expect(message.length).toBeGreaterThan(0);
    }
  });

  it("credentials: no key is 401, a client key on an admin call is 403, each with its message", async () => {
    const anonymous = workerClient({ apiKey: undefined, adminToken: undefined });
    expect(await rejectionOf(anonymous.chat("unauthenticated"))).toMatchObject({
      status: 401,
      code: "unauthorized",
      message: expect.stringContaining("Missing API key"),
    });
    const clientOnly = workerClient({ adminToken: "dev-key" });
    expect(await rejectionOf(clientOnly.getCacheStats())).toMatchObject({ status: 403, code: "forbidden" });
  });

  it("the client's types match the worker's config and error codes", () => {
    expectTypeOf<ClientConfig>().toEqualTypeOf<CacheConfig>();
    expectTypeOf<ServerErrorCode>().toEqualTypeOf<ErrorCode>();
  });
});
