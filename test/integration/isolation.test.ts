import { describe, expect, it } from "vitest";
import { admin } from "../../src/routes/admin";
import { ADMIN, call, chat, clearTier } from "../helpers/worker";

const KEYS = { R1CACHE_KEYS: JSON.stringify({ "key-a": "tenant-a", "key-b": "tenant-b" }) };
const as = (key: string, body: unknown, headers: Record<string, string> = {}) =>
  call("/v1/chat/completions", { body, env: KEYS, headers: { authorization: `Bearer ${key}`, ...headers } });

describe("namespaces", () => {
  it("two tenants never share an entry", async () => {
    const body = chat("Tenant-private question");
    const a1 = await as("key-a", body);
    const b1 = await as("key-b", body);
    expect(a1.headers.get("x-r1cache")).toBe("MISS");
    expect(b1.headers.get("x-r1cache")).toBe("MISS");
    expect(a1.headers.get("x-r1cache-key")).not.toBe(b1.headers.get("x-r1cache-key"));
    expect((await as("key-a", body)).headers.get("x-r1cache")).toBe("HIT");
    expect((await as("key-b", body)).headers.get("x-r1cache")).toBe("HIT");
  });
});

describe("request controls", () => {
  it("no-cache skips the lookup but stores the fresh answer", async () => {
    const body = chat("no-cache control");
    await as("key-a", body);
    const fresh = await as("key-a", body, { "cache-control": "no-cache" });
    expect(fresh.headers.get("x-r1cache")).toBe("BYPASS");
    expect((await as("key-a", body)).headers.get("x-r1cache")).toBe("HIT");
  });

  it("no-store may be answered from the cache but stores nothing", async () => {
    const stored = chat("no-store control, stored first");
    await as("key-a", stored);
    expect((await as("key-a", stored, { "cache-control": "no-store" })).headers.get("x-r1cache")).toBe("HIT");
    const unstored = chat("no-store control, never stored");
    expect((await as("key-a", unstored, { "cache-control": "no-store" })).headers.get("x-r1cache")).toBe(
      "MISS",
    );
    expect((await as("key-a", unstored)).headers.get("x-r1cache")).toBe("MISS");
  });

  it("max-age serves only entries young enough", async () => {
    const body = chat("max-age control");
    await as("key-a", body);
    expect((await as("key-a", body, { "cache-control": "max-age=60" })).headers.get("x-r1cache")).toBe("HIT");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await as("key-a", body, { "cache-control": "max-age=0" })).headers.get("x-r1cache")).toBe("MISS");
  });

  it("x-r1cache-ttl sets how long the answer lives", async () => {
    const body = chat("ttl control");
    const first = await as("key-a", body, { "x-r1cache-ttl": "1" });
    expect(first.headers.get("x-r1cache")).toBe("MISS");
    expect((await as("key-a", body)).headers.get("x-r1cache")).toBe("HIT");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await as("key-a", body)).headers.get("x-r1cache")).toBe("MISS");
  });
});

describe("L1 share per tenant", () => {
  const TENANTS = { R1CACHE_KEYS: JSON.stringify({ "key-c": "tenant-c", "key-d": "tenant-d" }) };
  // Room for a handful of answers: one tenant's load alone would push everything else out.
  const SMALL_L1 = JSON.stringify({ semantic: false, tiers: { l1: { maxBytes: 12 * 1024 } } });
  const ask = (key: string, prompt: string) =>
    call("/v1/chat/completions", {
      body: chat(prompt),
      env: { ...TENANTS, R1CACHE_CONFIG: SMALL_L1 },
      headers: { authorization: `Bearer ${key}` },
    });
  const tier = (res: { headers: Headers }) =>
    `${res.headers.get("x-r1cache")} ${res.headers.get("x-r1cache-tier")}`;

  it("a flood from one tenant cannot evict another tenant that stays within its share", async () => {
    await clearTier("l1");
    const quiet = ["Quiet tenant: what is a pip?", "Quiet tenant: what is a lot?"];
    for (const prompt of quiet) expect((await ask("key-c", prompt)).headers.get("x-r1cache")).toBe("MISS");
    const flood = Array.from({ length: 40 }, (_, i) => `Flooding tenant, question number ${i}`);
    for (const prompt of flood) await ask("key-d", prompt);
    // The flood did overflow L1: its own first answers are gone from memory (served by KV now)...
    expect(tier(await ask("key-d", flood[0] ?? ""))).toBe("HIT l2");
    // ...but the quiet tenant's are still in L1.
    for (const prompt of quiet) expect(tier(await ask("key-c", prompt))).toBe("HIT l1");
  });
});

describe("tenant isolation end to end", () => {
  const state = (res: { headers: Headers }) => [
    res.headers.get("x-r1cache"),
    res.headers.get("x-r1cache-match"),
  ];

  it("exact, alias and semantic lookups of one tenant never reach the other's entries", async () => {
    const original = "Explain what a liquidity sweep is";
    const paraphrase = "Explain what a liquidity sweep is, please";
    const stored = await as("key-a", chat(original));
    expect(state(stored)).toEqual(["MISS", null]);
    const aKey = stored.headers.get("x-r1cache-key");
    // Within tenant A the paraphrase is a verified semantic hit, then an alias.
    expect(state(await as("key-a", chat(paraphrase)))).toEqual(["HIT", "semantic"]);
    const viaAlias = await as("key-a", chat(paraphrase));
    expect(viaAlias.headers.get("x-r1cache-reason")).toContain("alias");

    // Tenant B: A's prompts are not candidates for its search...
    const search = await call("/v1/r1/search", {
      body: { prompt: paraphrase },
      env: KEYS,
      headers: { authorization: "Bearer key-b" },
    });
    expect(search.status).toBe(200);
    expect(search.json().matches.map((m: { key: string }) => m.key)).not.toContain(aKey);
    // ...and the paraphrase, A's alias and A's exact prompt all miss.
    const bParaphrase = await as("key-b", chat(paraphrase));
    expect(state(bParaphrase)).toEqual(["MISS", null]);
    expect(bParaphrase.headers.get("x-r1cache-key")).not.toBe(aKey);
    const bOriginal = await as("key-b", chat(original));
    expect([aKey, viaAlias.headers.get("x-r1cache-key")]).not.toContain(
      bOriginal.headers.get("x-r1cache-key"),
    );
    // B may now hit its own paraphrase entry, never A's.
    if (bOriginal.headers.get("x-r1cache") === "HIT") {
      expect(bOriginal.headers.get("x-r1cache-key")).toBe(bParaphrase.headers.get("x-r1cache-key"));
    }
  });

  it("a client key reaches no admin route: 403 for every one, 401 without a valid key", async () => {
    const routes = admin.routes.filter((r) => r.method !== "ALL");
    expect(routes.length).toBeGreaterThan(8);
    const paths = [
      ...routes.map((r) => [r.method, r.path.replace(":key", "a".repeat(64))]),
      ["GET", "/nope"],
    ];
    for (const [method, path] of paths) {
      for (const [authorization, status] of [
        ["Bearer key-a", 403],
        ["Bearer key-b", 403],
        ["Bearer not-a-key", 401],
      ] as const) {
        const res = await call(`/admin${path}`, {
          method,
          env: KEYS,
          headers: { authorization },
          ...(method === "GET" || method === "DELETE" ? {} : { body: {} }),
        });
        expect([method, path, authorization, res.status]).toEqual([method, path, authorization, status]);
        expect(res.json().error.message).toBeTruthy();
      }
    }
  });

  it("stats and cache clearing can be scoped to one namespace", async () => {
    const TWO = { R1CACHE_KEYS: JSON.stringify({ "key-e": "tenant-e", "key-f": "tenant-f" }) };
    const ask = (key: string, prompt: string) =>
      call("/v1/chat/completions", {
        body: chat(prompt),
        env: TWO,
        headers: { authorization: `Bearer ${key}` },
      });
    const statsOf = async (namespace: string) =>
      (await call(`/admin/stats?namespace=${namespace}`, { headers: ADMIN, env: TWO })).json();
    await ask("key-e", "Scoped stats: first question");
    await ask("key-e", "Scoped stats: second question");
    await ask("key-e", "Scoped stats: first question");
    await ask("key-f", "Scoped stats: first question");

    const e = await statsOf("tenant-e");
    expect(e).toMatchObject({ scope: "namespace", namespace: "tenant-e", hits: 1, misses: 2 });
    expect([e.tiers.l1.entries, e.tiers.l2.entries, e.tiers.l3.entries]).toEqual([2, 2, 2]);
    expect(e.tiers.l1.hits).toBe(1);
    const f = await statsOf("tenant-f");
    expect(f).toMatchObject({ hits: 0, misses: 1 });
    expect([f.tiers.l1.entries, f.tiers.l3.entries]).toEqual([1, 1]);
    const all = (await call("/admin/stats", { headers: ADMIN, env: TWO })).json();
    expect(all.tiers.l3.entries).toBeGreaterThanOrEqual(3);
    expect((await call("/admin/stats?namespace=", { headers: ADMIN, env: TWO })).status).toBe(400);
    const nobody = await statsOf("tenant-nobody");
    expect([nobody.hits, nobody.misses, nobody.tiers.l1.entries, nobody.tiers.l3.entries]).toEqual([
      0, 0, 0, 0,
    ]);

    // Clearing one namespace leaves the other's entries in every tier.
    const cleared = await call("/admin/cache?namespace=tenant-f", {
      method: "DELETE",
      headers: ADMIN,
      env: TWO,
    });
    expect(cleared.status).toBe(200);
    expect((await statsOf("tenant-f")).tiers.l3.entries).toBe(0);
    expect((await ask("key-f", "Scoped stats: first question")).headers.get("x-r1cache")).toBe("MISS");
    const eAfter = await ask("key-e", "Scoped stats: second question");
    expect([eAfter.headers.get("x-r1cache"), eAfter.headers.get("x-r1cache-tier")]).toEqual(["HIT", "l1"]);
  });
});
