import { describe, expect, it } from "vitest";
import { encodeEntry } from "../../src/cache/codec";
import { createLfuPolicy, createLruPolicy } from "../../src/tiers/eviction";
import { createMemoryTier } from "../../src/tiers/memory";
import { makeEntry } from "../contract/tier-contract";

describe("eviction policies", () => {
  it("LRU evicts the least recently used key", () => {
    const lru = createLruPolicy();
    for (const k of ["a", "b", "c"]) lru.insert(k);
    lru.access("a");
    expect(lru.victim()).toBe("b");
    lru.remove("b");
    expect(lru.victim()).toBe("c");
  });

  it("LFU evicts the least frequently used key, oldest first among equals", () => {
    const lfu = createLfuPolicy();
    for (const k of ["a", "b", "c"]) lfu.insert(k);
    lfu.access("a");
    lfu.access("a");
    lfu.access("c");
    expect(lfu.victim()).toBe("b");
    lfu.remove("b");
    expect(lfu.victim()).toBe("c");
    lfu.remove("c");
    expect(lfu.victim()).toBe("a");
    lfu.remove("a");
    expect(lfu.victim()).toBeUndefined();
  });
});

describe("memory tier budget", () => {
  const sized = async (chars: number) => {
    const entry = makeEntry({}, chars);
    return { key: entry.key, stored: await encodeEntry(entry, { mode: "none" }) };
  };

  it("never holds more bytes than its budget and evicts by policy", async () => {
    const items = await Promise.all([sized(600), sized(600), sized(600), sized(600)]);
    // Room for exactly three of them (each costs its body plus the per-entry overhead).
    const budget = 3 * ((items[0]?.stored.body.byteLength ?? 0) + 256) + 10;
    const tier = createMemoryTier({ maxBytes: budget, ttlSeconds: 60, policy: "lru" });
    for (const { key, stored } of items.slice(0, 3)) await tier.set(key, stored);
    await tier.get(items[0]?.key ?? "");
    await tier.set(items[3]?.key ?? "", items[3]?.stored ?? (await sized(1)).stored);
    const usage = await tier.usage();
    expect(usage.bytes).toBeLessThanOrEqual(budget);
    expect(usage.entries).toBe(3);
    expect(await tier.get(items[1]?.key ?? "")).toBeNull();
    expect(await tier.get(items[0]?.key ?? "")).not.toBeNull();
    expect(tier.evictions).toBeGreaterThan(0);
  });

  it("refuses an entry larger than the whole budget without evicting others", async () => {
    const tier = createMemoryTier({ maxBytes: 2000, ttlSeconds: 60 });
    const small = await sized(100);
    const huge = await sized(5000);
    await tier.set(small.key, small.stored);
    await tier.set(huge.key, huge.stored);
    expect(await tier.get(huge.key)).toBeNull();
    expect(await tier.get(small.key)).not.toBeNull();
  });

  it("shrinks at once when resized and keeps entries when the policy changes", async () => {
    const tier = createMemoryTier({ maxBytes: 10_000, ttlSeconds: 60, policy: "lru" });
    const items = await Promise.all([sized(500), sized(500), sized(500)]);
    for (const { key, stored } of items) await tier.set(key, stored);
    tier.setPolicy("lfu");
    expect(tier.policy).toBe("lfu");
    expect((await tier.usage()).entries).toBe(3);
    tier.resize(1500);
    expect((await tier.usage()).bytes).toBeLessThanOrEqual(1500);
  });
});
