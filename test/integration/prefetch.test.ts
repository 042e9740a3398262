import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCacheService } from "../../src/cache/service";
import { resolveConfig } from "../../src/config-store";
import { PREFETCH_BUDGET_NAME } from "../../src/durable/prefetch-budget";
import { prefetcherName } from "../../src/durable/prefetcher";
import type { Env } from "../../src/env";
import { flushPrefetch } from "../../src/prefetch/flush";
import { createUpstream } from "../../src/upstream";
import { FAKE_UPSTREAM_URL, type FakeUpstream, installFakeUpstream } from "../helpers/fake-upstream";
import { ADMIN, call, chat } from "../helpers/worker";

const UPSTREAM = { R1_UPSTREAM: "openai", OPENAI_BASE_URL: FAKE_UPSTREAM_URL, UPSTREAM_RETRIES: "0" };
const KEYS = { R1CACHE_KEYS: JSON.stringify({ "key-a": "tenant-a", "key-b": "tenant-b" }) };
const workerEnv = { ...(env as unknown as Env), ...UPSTREAM, ...KEYS };

/** A client request (exact lookup only, so paraphrases play no part) as tenant `key`. */
const ask = (prompt: string, key = "dev-key", session?: string) =>
  call("/v1/chat/completions", {
    body: chat(prompt),
    env: { ...UPSTREAM, ...KEYS },
    headers: {
      authorization: `Bearer ${key}`,
      "x-r1cache-semantic": "off",
      ...(session && { "x-r1cache-session": session }),
    },
  });
const keyOf = async (prompt: string, key = "dev-key") =>
  (await ask(prompt, key)).headers.get("x-r1cache-key") as string;
const remove = (key: string) => call(`/admin/entries/${key}`, { method: "DELETE", headers: ADMIN });
const patch = async (body: unknown) => {
  const res = await call("/admin/config", { method: "PATCH", body, headers: ADMIN });
  expect(res.status, res.text).toBe(200);
};
const budget = () => env.PREFETCH_BUDGET.get(env.PREFETCH_BUDGET.idFromName(PREFETCH_BUDGET_NAME));
const prefetcher = (ns: string) => env.PREFETCHER.get(env.PREFETCHER.idFromName(prefetcherName(ns)));

/** This isolate's flush, now (the worker runs it after responses at most every 5 s). */
async function flush() {
  const ctx = createExecutionContext();
  const config = await resolveConfig(workerEnv);
  const cache = createCacheService({
    env: workerEnv,
    ctx,
    config,
    upstream: () => createUpstream(workerEnv),
  });
  const result = await flushPrefetch(workerEnv, cache, config, true);
  await waitOnExecutionContext(ctx);
  return result;
}

let upstream: FakeUpstream;
beforeEach(async () => {
  upstream = installFakeUpstream();
  await budget().reset();
  await flush();
});
afterEach(async () => {
  upstream.restore();
  await call("/admin/config", { method: "DELETE", headers: ADMIN });
});

describe("prefetch", () => {
  it("learns B after A, prefetches B when A is asked and B is gone, and counts the later hit", async () => {
    await patch({ prefetchPerHour: 5, prefetchMinCount: 2 });
    const a = "Prefetch one: what is a stop-loss order?";
    const b = "Prefetch one: where does the stop go on a long trade?";
    for (let i = 0; i < 3; i++) {
      await ask(a);
      await ask(b);
    }
    expect(upstream.calls.count).toBe(2);
    // Both answers are cached: what follows each one is known, and nothing needs fetching.
    expect(await flush()).toMatchObject({ granted: 0, stored: 0 });
    const learnt = await prefetcher("dev").summary();
    expect(learnt.transitions).toBeGreaterThanOrEqual(2);
    expect(learnt.requests).toBeGreaterThanOrEqual(2);

    await remove(await keyOf(b));
    expect((await ask(a)).headers.get("x-r1cache")).toBe("HIT");
    expect(await flush()).toMatchObject({ candidates: 1, granted: 1, stored: 1 });
    expect(upstream.calls.count).toBe(3);
    expect(upstream.calls.bodies.at(-1)?.messages?.at(-1)?.content).toBe(b);

    const later = await ask(b);
    expect(later.headers.get("x-r1cache")).toBe("HIT");
    await flush();
    const stats = (await call("/admin/stats", { headers: ADMIN })).json();
    expect(stats.prefetch).toMatchObject({
      enabled: true,
      budget_per_hour: 5,
      calls_last_hour: 1,
      prefetched: 1,
      hits: 1,
      precision: 1,
    });
    const tenant = (await call("/admin/stats?namespace=dev", { headers: ADMIN })).json();
    expect(tenant.prefetch).toMatchObject({ prefetched: 1, hits: 1, precision: 1 });
    const metrics = (await call("/admin/metrics", { headers: ADMIN })).text;
    expect(metrics).toContain("r1cache_prefetch_precision 1\n");
    expect(metrics).toContain("r1cache_prefetched_total 1\n");
  });

  it("a prefetched entry asked for and missed (here: deleted again) lowers precision", async () => {
    await patch({ prefetchPerHour: 5, prefetchMinCount: 1 });
    const a = "Prefetch wasted: what is leverage?";
    const b = "Prefetch wasted: what is margin?";
    await ask(a);
    const bKey = await keyOf(b);
    await remove(bKey);
    await ask(a);
    expect(await flush()).toMatchObject({ granted: 1, stored: 1 });
    await remove(bKey);
    expect((await ask(b)).headers.get("x-r1cache")).toBe("MISS");
    await ask(b);
    await flush();
    expect((await call("/admin/stats", { headers: ADMIN })).json().prefetch).toMatchObject({
      prefetched: 1,
      hits: 0,
      precision: 0,
    });
  });

  it("never prefetches with a budget of 0 (the default)", async () => {
    const a = "Prefetch off: what is a limit order?";
    const b = "Prefetch off: what is a market order?";
    for (let i = 0; i < 4; i++) {
      await ask(a);
      await ask(b);
    }
    await remove(await keyOf(b));
    await ask(a);
    expect(await flush()).toMatchObject({ candidates: 0, granted: 0 });
    expect(upstream.calls.count).toBe(2);
    expect((await ask(b)).headers.get("x-r1cache")).toBe("MISS");
    // A ledger asked anyway grants nothing at 0.
    expect(await budget().claim("dev", 5, 0)).toBe(0);
    const stats = (await call("/admin/stats", { headers: ADMIN })).json();
    expect(stats.prefetch).toMatchObject({ enabled: false, prefetched: 0, precision: null });
  });

  it("never exceeds prefetchPerHour, over several flushes and under concurrent claims", async () => {
    await patch({ prefetchPerHour: 2, prefetchMinCount: 2 });
    const pairs = Array.from({ length: 5 }, (_, i) => [
      `Prefetch budget ${i}: what is asset ${i}?`,
      `Prefetch budget ${i}: how is asset ${i} taxed?`,
    ]);
    for (const [a, b] of pairs) {
      for (let r = 0; r < 2; r++) {
        await ask(a as string);
        await ask(b as string);
      }
    }
    await flush();
    const learnt = upstream.calls.count;
    expect(learnt).toBe(10);
    for (const [, b] of pairs) await remove(await keyOf(b as string));
    for (let round = 0; round < 3; round++) {
      for (const [a] of pairs) await ask(a as string);
      await flush();
    }
    expect(upstream.calls.count - learnt).toBe(2);
    expect((await budget().summary()).callsLastHour).toBe(2);
    const hits = await Promise.all(pairs.map(([, b]) => ask(b as string)));
    expect(hits.filter((r) => r.headers.get("x-r1cache") === "HIT")).toHaveLength(2);

    // Many isolates at once: 40 concurrent claims for 3 calls are granted 3.
    await budget().reset();
    const grants = await Promise.all(
      Array.from({ length: 40 }, (_, i) => budget().claim(`ns-${i % 4}`, 1, 3)),
    );
    expect(grants.reduce((x, y) => x + y, 0)).toBe(3);
    // Concurrent claims of one key through its namespace's object are granted once.
    await budget().reset();
    const claims = await Promise.all(
      Array.from({ length: 10 }, () => prefetcher("claims").claim("claims", ["k1", "k2"], 10)),
    );
    expect(claims.flat().sort()).toEqual(["k1", "k2"]);
  });

  it("keeps tenants apart: A asked in one tenant never prefetches into another", async () => {
    await patch({ prefetchPerHour: 10, prefetchMinCount: 2 });
    const a = "Prefetch tenants: what is a futures contract?";
    const b = "Prefetch tenants: when does it expire?";
    for (let i = 0; i < 3; i++) {
      await ask(a, "key-a");
      await ask(b, "key-a");
    }
    await flush();
    await remove(await keyOf(b, "key-a"));
    const before = upstream.calls.count;
    expect((await ask(a, "key-b")).headers.get("x-r1cache")).toBe("MISS");
    expect(await flush()).toMatchObject({ granted: 0 });
    expect(upstream.calls.count - before).toBe(1);
    expect(await prefetcher("tenant-b").summary()).toMatchObject({ prefetched: 0, transitions: 0 });
    expect((await prefetcher("tenant-a").summary()).transitions).toBe(2);
    expect((await ask(b, "key-b")).headers.get("x-r1cache")).toBe("MISS");
    // Tenant a's own A still prefetches its B.
    await ask(a, "key-a");
    expect(await flush()).toMatchObject({ granted: 1, stored: 1 });
  });

  it("learns within each x-r1cache-session while two conversations interleave", async () => {
    await patch({ prefetchPerHour: 5, prefetchMinCount: 2 });
    const [a, b] = ["Prefetch sessions: what is an ETF?", "Prefetch sessions: how are ETFs priced?"];
    const [c, d] = ["Prefetch sessions: what is a bond?", "Prefetch sessions: why do yields rise?"];
    for (let i = 0; i < 3; i++) {
      await ask(a, "dev-key", "alice");
      await ask(c, "dev-key", "bob");
      await ask(b, "dev-key", "alice");
      await ask(d, "dev-key", "bob");
    }
    await flush();
    await remove(await keyOf(b));
    await remove(await keyOf(d));
    await ask(c, "dev-key", "bob");
    await ask(a, "dev-key", "alice");
    // In the namespace's order C was followed by B and A by D: only the sessions say A -> B, C -> D.
    expect(await flush()).toMatchObject({ granted: 2, stored: 2 });
    expect((await ask(b, "dev-key", "alice")).headers.get("x-r1cache")).toBe("HIT");
    expect((await ask(d, "dev-key", "bob")).headers.get("x-r1cache")).toBe("HIT");
    const bad = await call("/v1/chat/completions", {
      body: chat(a),
      headers: { "x-r1cache-session": "x".repeat(257) },
    });
    expect([bad.status, bad.json().error.param]).toEqual([400, "x-r1cache-session"]);
  });

  it("PATCH /admin/config validates the prefetch fields, naming the field", async () => {
    for (const [body, field] of [
      [{ prefetchPerHour: -1 }, "prefetchPerHour"],
      [{ prefetchPerHour: 1.5 }, "prefetchPerHour"],
      [{ prefetchMinCount: 0 }, "prefetchMinCount"],
      [{ prefetchMinProbability: 2 }, "prefetchMinProbability"],
      [{ statistics: "no" }, "statistics"],
    ] as const) {
      const res = await call("/admin/config", { method: "PATCH", body, headers: ADMIN });
      expect([res.status, res.json().error.param]).toEqual([400, field]);
    }
    const config = (await call("/admin/config", { headers: ADMIN })).json();
    expect(config).toMatchObject({ prefetchPerHour: 0, prefetchMinCount: 3, statistics: true });
  });
});
