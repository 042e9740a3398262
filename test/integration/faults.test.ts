import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { decodeEntry } from "../../src/cache/codec";
import type { EntryMeta } from "../../src/tiers/types";
import { broken, failingShards, slowD1, slowKv, slowR2, slowShards } from "../helpers/faults";
import { ADMIN, call, chat, clearTier } from "../helpers/worker";

const stats = async () => (await call("/admin/stats", { headers: ADMIN })).json();

/** Flips one byte of a stored body in KV, keeping its metadata (and so its checksum). */
async function corruptKv(key: string): Promise<void> {
  const { value, metadata } = await env.CACHE_KV.getWithMetadata<EntryMeta>(`e:${key}`, "arrayBuffer");
  if (!value) throw new Error("nothing in KV to corrupt");
  const bytes = new Uint8Array(value);
  bytes.set([(bytes.at(-2) ?? 0) ^ 0xff], bytes.length - 2);
  await env.CACHE_KV.put(`e:${key}`, bytes, { metadata });
}

async function corruptD1(key: string): Promise<void> {
  const row = await env.DB.prepare("select body from entries where key = ?")
    .bind(key)
    .first<{ body: ArrayBuffer }>();
  if (!row) throw new Error("nothing in D1 to corrupt");
  const bytes = new Uint8Array(row.body);
  bytes.set([(bytes.at(-2) ?? 0) ^ 0xff], bytes.length - 2);
  await env.DB.prepare("update entries set body = ? where key = ?").bind(bytes, key).run();
}

describe("a failing tier is counted and the request goes on", () => {
  it.each([
    ["KV", { CACHE_KV: broken<KVNamespace>("KV") }, "l2"],
    ["D1", { DB: broken<D1Database>("D1") }, "l3"],
    ["R2", { ARCHIVE: broken<R2Bucket>("R2") }, "l4"],
  ] as const)("%s throws on every call", async (name, outage, tier) => {
    const before = (await stats()).tiers[tier].errors;
    const body = chat(`Outage of ${name}`);
    await clearTier("l1");
    const first = await call("/v1/chat/completions", { body, env: outage });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-r1cache")).toBe("MISS");
    const second = await call("/v1/chat/completions", { body, env: outage });
    expect(second.status).toBe(200);
    expect(second.headers.get("x-r1cache")).toBe("HIT");
    expect(second.headers.get("x-r1cache-tier")).toBe("l1");
    // Misses look in every tier; with L1 cleared even the hit path reaches the broken one.
    await clearTier("l1");
    const third = await call("/v1/chat/completions", { body, env: outage });
    expect(third.status).toBe(200);
    expect((await stats()).tiers[tier].errors).toBeGreaterThan(before);
  });
});

/** How late a slow tier answers, and the read deadline these tests configure (far apart on purpose). */
const SLOW_MS = 4_000;
const DEADLINE_MS = 100;

type Level = "l1" | "l2" | "l3" | "l4";

/**
 * Per faulty tier: where the entry is stored, which tiers are then emptied, and who must answer once
 * the faulty tier is skipped (a lower tier, or the upstream when none is left).
 */
const FAULT_CASES = [
  { tier: "l2", name: "KV", writeTiers: ["l1", "l2", "l3"], emptied: ["l1"], answers: "HIT l3" },
  { tier: "l3", name: "D1", writeTiers: ["l1", "l2", "l3", "l4"], emptied: ["l1", "l2"], answers: "HIT l4" },
  { tier: "l4", name: "R2", writeTiers: ["l1", "l4"], emptied: ["l1"], answers: "MISS" },
] as const;

const FAULTY: Record<string, Record<"throws" | "is slow", () => object>> = {
  l2: { throws: () => ({ CACHE_KV: broken("KV") }), "is slow": () => ({ CACHE_KV: slowKv(SLOW_MS) }) },
  l3: { throws: () => ({ DB: broken("D1") }), "is slow": () => ({ DB: slowD1(SLOW_MS) }) },
  l4: { throws: () => ({ ARCHIVE: broken("R2") }), "is slow": () => ({ ARCHIVE: slowR2(SLOW_MS) }) },
};

describe("a tier that throws or is slow is skipped: a lower tier or the upstream answers, on time", () => {
  const cases = FAULT_CASES.flatMap((c) => (["throws", "is slow"] as const).map((how) => ({ ...c, how })));
  it.each(cases)("$name $how -> $answers", async ({ tier, name, how, writeTiers, emptied, answers }) => {
    const config = JSON.stringify({
      writeTiers,
      semantic: false,
      tiers: {
        l2: { readTimeoutMs: DEADLINE_MS },
        l3: { readTimeoutMs: DEADLINE_MS },
        l4: { readTimeoutMs: DEADLINE_MS },
      },
    });
    const body = chat(`${name} ${how}: still answered`);
    const original = await call("/v1/chat/completions", { body, env: { R1CACHE_CONFIG: config } });
    expect(original.headers.get("x-r1cache")).toBe("MISS");
    for (const level of emptied) await clearTier(level as Level);
    const before = (await stats()).tiers[tier];

    const started = Date.now();
    const res = await call("/v1/chat/completions", {
      body,
      env: { R1CACHE_CONFIG: config, ...FAULTY[tier]?.[how]() },
    });
    const elapsed = Date.now() - started;

    expect(res.status).toBe(200);
    expect([res.headers.get("x-r1cache"), res.headers.get("x-r1cache-tier")].filter(Boolean).join(" ")).toBe(
      answers,
    );
    // Nothing wrong served: the same answer the upstream gave the first time.
    expect(res.json().choices[0].message).toEqual(original.json().choices[0].message);
    const after = (await stats()).tiers[tier];
    expect(after.errors).toBeGreaterThan(before.errors);
    if (how === "is slow") {
      expect(after.timeouts).toBeGreaterThan(before.timeouts);
      // Waited out, the slow read alone would take SLOW_MS.
      expect(elapsed).toBeLessThan(SLOW_MS / 2);
    } else expect(after.timeouts).toBe(before.timeouts);
  });

  it.each([
    ["KV", () => ({ CACHE_KV: slowKv(250) })],
    ["D1", () => ({ DB: slowD1(250) })],
  ])("a read within the deadline is still served by the slow %s tier", async (name, faulty) => {
    const config = JSON.stringify({
      semantic: false,
      tiers: { l2: { readTimeoutMs: 5_000 }, l3: { readTimeoutMs: 5_000 } },
    });
    const body = chat(`${name} slow but within a generous deadline`);
    await call("/v1/chat/completions", { body, env: { R1CACHE_CONFIG: config } });
    await clearTier("l1");
    if (name === "D1") await clearTier("l2");
    const res = await call("/v1/chat/completions", { body, env: { R1CACHE_CONFIG: config, ...faulty() } });
    expect(res.headers.get("x-r1cache")).toBe("HIT");
    expect(res.headers.get("x-r1cache-tier")).toBe(name === "KV" ? "l2" : "l3");
  });

  it("rejects a read deadline that is not a positive whole number of ms", async () => {
    for (const readTimeoutMs of [0, -5, 1.5, 120_000]) {
      const res = await call("/admin/config", {
        method: "PATCH",
        headers: ADMIN,
        body: { tiers: { l2: { readTimeoutMs } } },
      });
      expect(res.status).toBe(400);
      expect(res.json().error.param).toBe("tiers.l2.readTimeoutMs");
    }
  });
});

describe("a vector shard (Durable Object) that throws or is overloaded", () => {
  it.each(["throws", "overloaded"] as const)("%s: the semantic lookup fails open to a miss", async (kind) => {
    const stored = await call("/v1/chat/completions", { body: chat(`What is a liquidity sweep (${kind})?`) });
    expect(stored.headers.get("x-r1cache")).toBe("MISS");
    const before = (await stats()).semantic_errors;
    const paraphrase = chat(`What is a liquidity sweep (${kind}), please?`);
    const res = await call("/v1/chat/completions", {
      body: paraphrase,
      env: { VECTOR_SHARDS: failingShards(kind) },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-r1cache")).toBe("MISS");
    // The upstream's own answer to this prompt, not the stored one.
    expect(res.json().choices[0].message.content).not.toBe(stored.json().choices[0].message.content);
    // The lookup and the indexing of the fresh answer both failed, each counted.
    expect((await stats()).semantic_errors).toBeGreaterThanOrEqual(before + 2);
    // With the shard back, another paraphrase is a verified hit: the shard was all that stood in the way.
    const healthy = await call("/v1/chat/completions", {
      body: chat(`What is a liquidity sweep (${kind}) exactly?`),
    });
    expect([healthy.headers.get("x-r1cache"), healthy.headers.get("x-r1cache-match")]).toEqual([
      "HIT",
      "semantic",
    ]);
  });

  it("slow: past semanticIndexTimeoutMs the lookup gives up and the upstream answers", async () => {
    const config = JSON.stringify({ semanticIndexTimeoutMs: DEADLINE_MS });
    await call("/v1/chat/completions", {
      body: chat("What is an order block (slow shard)?"),
      env: { R1CACHE_CONFIG: config },
    });
    const before = (await stats()).semantic_errors;
    const started = Date.now();
    const res = await call("/v1/chat/completions", {
      body: chat("What is an order block (slow shard), please?"),
      env: { R1CACHE_CONFIG: config, VECTOR_SHARDS: slowShards(SLOW_MS) },
      settle: false,
    });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    expect(res.headers.get("x-r1cache")).toBe("MISS");
    expect((await stats()).semantic_errors).toBe(before + 1);
    expect(elapsed).toBeLessThan(SLOW_MS / 2);
  });

  it("a streaming request is answered in full while the shard is down", async () => {
    const res = await call("/v1/chat/completions", {
      body: chat("What is a breaker block? (shard down, streaming)", { stream: true }),
      env: { VECTOR_SHARDS: failingShards("overloaded") },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-r1cache")).toBe("MISS");
    expect(res.text.trim().endsWith("data: [DONE]")).toBe(true);
  });
});

describe("checksums", () => {
  it("drops a corrupt copy and serves the next tier's good one", async () => {
    const body = chat("Corrupt KV copy");
    const original = (await call("/v1/chat/completions", { body })).json();
    const key = (await call("/v1/chat/completions", { body })).headers.get("x-r1cache-key") ?? "";
    const corruptBefore = (await stats()).corrupt_entries;
    await corruptKv(key);
    await clearTier("l1");
    const res = await call("/v1/chat/completions", { body });
    expect(res.headers.get("x-r1cache")).toBe("HIT");
    expect(res.headers.get("x-r1cache-tier")).toBe("l3");
    expect(res.json().choices[0].message).toEqual(original.choices[0].message);
    expect((await stats()).corrupt_entries).toBe(corruptBefore + 1);
    // The corrupt copy is not left to fail again: KV now holds the good copy back-filled from D1.
    const { value, metadata } = await env.CACHE_KV.getWithMetadata<EntryMeta>(`e:${key}`, "arrayBuffer");
    expect(
      value && metadata && (await decodeEntry({ body: new Uint8Array(value), meta: metadata })).content,
    ).toBe(original.choices[0].message.content);
  });

  it("treats an entry corrupt in every tier as a miss and never serves it", async () => {
    const body = chat("Corrupt everywhere");
    const original = (await call("/v1/chat/completions", { body })).json();
    const key = (await call("/v1/chat/completions", { body })).headers.get("x-r1cache-key") ?? "";
    await corruptKv(key);
    await corruptD1(key);
    await clearTier("l1");
    const res = await call("/v1/chat/completions", { body });
    expect(res.headers.get("x-r1cache")).toBe("MISS");
    expect(res.json().choices[0].message).toEqual(original.choices[0].message);
  });
});

describe("large entries", () => {
  it("keeps bodies too big for a D1 row in R2, indexed by D1", async () => {
    const config = JSON.stringify({
      tiers: { l3: { maxEntryBytes: 64 }, l4: { minEntryBytes: 64 } },
      compression: "none",
    });
    const body = chat("A large answer that goes to R2");
    const first = await call("/v1/chat/completions", { body, env: { R1CACHE_CONFIG: config } });
    const key = first.headers.get("x-r1cache-key") ?? "";
    const row = await env.DB.prepare("select location, body from entries where key = ?").bind(key).first();
    expect(row).toMatchObject({ location: "l4", body: null });
    expect(await env.ARCHIVE.head(`entries/${key}`)).not.toBeNull();
    await clearTier("l1");
    await clearTier("l2");
    const fromR2 = await call("/v1/chat/completions", { body, env: { R1CACHE_CONFIG: config } });
    expect(fromR2.headers.get("x-r1cache-tier")).toBe("l4");
    expect(fromR2.json().choices[0].message).toEqual(first.json().choices[0].message);
  });

  it("/v1/r1/search answers 503 unavailable (retryable), not 500, while the shard is down", async () => {
    const res = await call("/v1/r1/search", {
      body: { prompt: "What is a breaker block?" },
      env: { VECTOR_SHARDS: failingShards("overloaded") },
    });
    expect(res.status).toBe(503);
    expect(res.json().error.type).toBe("unavailable");
  });
});
