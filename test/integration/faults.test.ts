import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { decodeEntry } from "../../src/cache/codec";
import type { EntryMeta } from "../../src/tiers/types";
import { ADMIN, call, chat, clearTier } from "../helpers/worker";

const stats = async () => (await call("/admin/stats", { headers: ADMIN })).json();

/** Bindings whose every method fails, as a KV/D1/R2 outage would. */
function broken<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: () => () => {
      throw new Error(`${name} is unavailable`);
    },
  });
}

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
});
