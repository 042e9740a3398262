import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { FAKE_UPSTREAM_URL, type FakeUpstream, fake, installFakeUpstream } from "../helpers/fake-upstream";
import { silentAfter, streamOf } from "../helpers/streams";
import { ADMIN, CLIENT, call, chat, clearTier, sseData } from "../helpers/worker";

const UPSTREAM = {
  R1_UPSTREAM: "openai",
  OPENAI_BASE_URL: FAKE_UPSTREAM_URL,
  UPSTREAM_TIMEOUT_MS: "2000",
  UPSTREAM_RETRIES: "0",
};
const ask = (
  prompt: string,
  extra: Record<string, unknown> = {},
  options: { env?: Partial<Env>; headers?: Record<string, string> } = {},
) =>
  call("/v1/chat/completions", {
    body: chat(prompt, extra),
    env: { ...UPSTREAM, ...options.env },
    headers: options.headers,
  });
const stats = async () => (await call("/admin/stats", { headers: ADMIN })).json();
const content = (res: { json(): { choices: Array<{ message: { content: string } }> } }) =>
  res.json().choices[0]?.message.content;

/** A COALESCER binding whose every object answers `join` with `join`. */
function coalescers(join: () => Promise<ReadableStream<Uint8Array>>) {
  return {
    idFromName: (name: string) => env.COALESCER.idFromName(name),
    get: () => ({ join }),
  } as unknown as Env["COALESCER"];
}

let upstream: FakeUpstream | undefined;
afterEach(() => upstream?.restore());

describe("coalescing through the Coalescer Durable Object", () => {
  it("20 concurrent identical misses, streaming and not, make one upstream call and get one answer", async () => {
    upstream = installFakeUpstream({ delayMs: 50, chunkDelayMs: 5 });
    const before = await stats();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => ask("coalesced twenty", { stream: i % 3 === 0 })),
    );
    expect(upstream.calls.count).toBe(1);
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const streamed = responses.filter((_, i) => i % 3 === 0);
    for (const res of streamed) expect(sseData(res.text).at(-1)).toBe("[DONE]");
    const plain = responses.filter((_, i) => i % 3 !== 0);
    expect(new Set(plain.map(content))).toEqual(new Set(['Fake answer to "coalesced twenty".']));
    expect(responses.filter((r) => r.headers.get("x-r1cache-coalesced") === "1")).toHaveLength(19);
    const after = await stats();
    expect(after.coalescer_errors).toBe(before.coalescer_errors);
    expect(after.upstream_calls - before.upstream_calls).toBe(1);
    expect(after.coalesced - before.coalesced).toBe(19);
  });

  it("a leader whose client goes away does not cut its followers' answers, and the answer is stored", async () => {
    upstream = installFakeUpstream({ delayMs: 20, chunkDelayMs: 20 });
    const body = JSON.stringify(chat("leader walks away", { stream: true }));
    const ctx = createExecutionContext();
    const leader = await worker.fetch(
      new Request("https://cache.test/v1/chat/completions", {
        method: "POST",
        headers: { ...CLIENT, "content-type": "application/json" },
        body,
      }),
      { ...(env as unknown as Env), ...UPSTREAM },
      ctx,
    );
    const reader = leader.body?.getReader();
    await reader?.read();
    await reader?.cancel();
    const followers = await Promise.all([
      ask("leader walks away", { stream: true }),
      ask("leader walks away"),
    ]);
    await waitOnExecutionContext(ctx);
    expect(sseData(followers[0]?.text ?? "").at(-1)).toBe("[DONE]");
    expect(followers[1]?.status).toBe(200);
    expect(content(followers[1] as never)).toBe('Fake answer to "leader walks away".');
    expect(upstream.calls.count).toBe(1);
    await clearTier("l1");
    const later = await ask("leader walks away");
    expect(later.headers.get("x-r1cache")).toBe("HIT");
    expect(upstream.calls.count).toBe(1);
  });

  it("replays an answer that finished moments ago to a lookup that missed it; no-cache asks again", async () => {
    upstream = installFakeUpstream();
    await ask("just finished");
    for (const level of ["l1", "l2", "l3", "l4"] as const) await clearTier(level);
    const replayed = await ask("just finished");
    expect(replayed.headers.get("x-r1cache")).toBe("MISS");
    expect(replayed.headers.get("x-r1cache-coalesced")).toBe("1");
    expect(content(replayed)).toBe('Fake answer to "just finished".');
    expect(upstream.calls.count).toBe(1);
    const fresh = await ask("just finished", {}, { headers: { "cache-control": "no-cache" } });
    expect(fresh.headers.get("x-r1cache")).toBe("BYPASS");
    expect(upstream.calls.count).toBe(2);
  });

  it("a failed call is not replayed: the next request tries the upstream again", async () => {
    upstream = installFakeUpstream({ behaviours: [fake.status(500)], fallback: fake.ok() });
    expect((await ask("fails once")).status).toBe(502);
    const again = await ask("fails once");
    expect(again.status).toBe(200);
    expect(upstream.calls.count).toBe(2);
  });
});

describe("when the coalescer fails, the request calls the upstream itself", () => {
  it("an object that throws (e.g. overloaded): the answer comes direct and is stored", async () => {
    upstream = installFakeUpstream();
    const before = (await stats()).coalescer_errors;
    const overloaded = coalescers(async () => {
      throw Object.assign(new Error("Durable Object is overloaded. Too many requests queued."), {
        overloaded: true,
      });
    });
    const res = await ask("coalescer overloaded", {}, { env: { COALESCER: overloaded } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-r1cache")).toBe("MISS");
    expect(content(res)).toBe('Fake answer to "coalescer overloaded".');
    expect((await stats()).coalescer_errors).toBe(before + 1);
    expect((await ask("coalescer overloaded")).headers.get("x-r1cache")).toBe("HIT");
  });

  it("an object that never answers: the request goes direct after the join timeout", async () => {
    upstream = installFakeUpstream();
    const res = await ask(
      "coalescer silent",
      {},
      { env: { COALESCER: coalescers(async () => silentAfter([])) } },
    );
    expect(res.status).toBe(200);
    expect(content(res)).toBe('Fake answer to "coalescer silent".');
    expect(upstream.calls.count).toBe(1);
  });

  it("a stream that breaks after joining ends with a clear error, and nothing is stored", async () => {
    upstream = installFakeUpstream();
    const broken = coalescers(async () =>
      streamOf([
        '{"t":"joined","leader":true}\n',
        '{"t":"event","event":{"type":"delta","reasoning":"half a thought"}}\n',
      ]),
    );
    const streamed = await ask("coalescer breaks", { stream: true }, { env: { COALESCER: broken } });
    expect(streamed.status).toBe(200);
    const events = sseData(streamed.text);
    expect(events).not.toContain("[DONE]");
    expect(events.at(-1)).toContain("upstream_truncated");
    const plain = await ask("coalescer breaks", {}, { env: { COALESCER: broken } });
    expect(plain.status).toBe(502);
    expect(plain.json().error.type).toBe("upstream_truncated");
    const real = await ask("coalescer breaks");
    expect(real.headers.get("x-r1cache")).toBe("MISS");
    expect(upstream.calls.count).toBe(1);
  });
});

describe("deleting an entry", () => {
  it("ends the coalescer's replay of it: the next request asks the upstream", async () => {
    upstream = installFakeUpstream();
    const first = await ask("deleted soon after");
    const key = first.headers.get("x-r1cache-key");
    const deleted = await call(`/admin/entries/${key}`, { method: "DELETE", headers: ADMIN });
    expect(deleted.status).toBe(200);
    await clearTier("l1");
    const next = await ask("deleted soon after");
    expect(next.headers.get("x-r1cache")).toBe("MISS");
    expect(next.headers.get("x-r1cache-coalesced")).toBeNull();
    expect(upstream.calls.count).toBe(2);
  });
});

describe("the coalescer's memory", () => {
  it("holds finished answers only for their replay window, however many keys it saw", async () => {
    const { REPLAY_MS } = await import("../../src/durable/coalescer");
    const { coalescerName } = await import("../../src/cache/coalescing");
    const { runInDurableObject } = await import("cloudflare:test");
    upstream = installFakeUpstream();
    const keys: string[] = [];
    for (let i = 0; i < 6; i++)
      keys.push((await ask(`coalescer memory ${i}`)).headers.get("x-r1cache-key") ?? "");
    // Every key in one object, as the shard of the first.
    const stub = env.COALESCER.get(env.COALESCER.idFromName(coalescerName(keys[0] ?? "")));
    const realNow = Date.now;
    try {
      Date.now = () => realNow() + REPLAY_MS + 1;
      const held = await runInDurableObject(stub, async (object) => {
        // A join sweeps; a lookup=false job starts (and holds) only its own new flight.
        (object as unknown as { join(job: unknown): ReadableStream }).join({
          namespace: "dev",
          key: "sweep-probe",
          params: {
            model: "m",
            messages: [],
            temperature: 1,
            top_p: 1,
            max_tokens: null,
            stop: null,
            tools: null,
            response_format: null,
            seed: null,
          },
          controls: { lookup: false, store: false, semantic: false },
          config: (await import("../../src/config")).DEFAULT_CONFIG,
          upstream: UPSTREAM,
        });
        return (object as unknown as { size(): number }).size();
      });
      expect(held).toBe(1);
    } finally {
      Date.now = realNow;
    }
  });
});
