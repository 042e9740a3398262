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

describe("memory tier: a fair share per tenant", () => {
  const CHARS = 600;
  const entryOf = async (namespace: string) => {
    const entry = makeEntry({ namespace }, CHARS);
    return { key: entry.key, stored: await encodeEntry(entry, { mode: "none" }) };
  };
  let budget = 0;
  /** A tier with room for exactly ten entries of CHARS characters (their sizes differ by a few bytes). */
  const tenSlots = async (policy: "lru" | "lfu") => {
    const slot = (await entryOf("probe")).stored.body.byteLength + 256;
    budget = 10 * slot + 60;
    return createMemoryTier({ maxBytes: budget, ttlSeconds: 60, policy });
  };
  const fill = async (tier: Awaited<ReturnType<typeof tenSlots>>, namespace: string, count: number) => {
    const keys: string[] = [];
    for (let i = 0; i < count; i++) {
      const { key, stored } = await entryOf(namespace);
      await tier.set(key, stored);
      keys.push(key);
    }
    return keys;
  };
  const present = async (tier: Awaited<ReturnType<typeof tenSlots>>, keys: string[]) => {
    const found = await Promise.all(keys.map((k) => tier.get(k)));
    return found.map((e) => e !== null);
  };

  it.each(["lru", "lfu"] as const)(
    "%s: a tenant within its share keeps every entry while another floods L1",
    async (policy) => {
      const tier = await tenSlots(policy);
      const quiet = await fill(tier, "tenant-a", 4);
      const flood = await fill(tier, "tenant-b", 40);
      // Plain LRU/LFU would have evicted tenant-a's entries first: they are the oldest and least used.
      expect(await present(tier, quiet)).toEqual([true, true, true, true]);
      expect(tier.usageOf("tenant-a").entries).toBe(4);
      expect(tier.usageOf("tenant-b").entries).toBe(6);
      // tenant-b is evicted in its own policy order: its newest six remain.
      expect(await present(tier, flood.slice(-6))).toEqual(Array(6).fill(true));
      expect((await tier.usage()).bytes).toBeLessThanOrEqual((tier.usageOf("tenant-a").bytes * 10) / 4 + 10);
    },
  );

  it("a tenant over its share is trimmed back to it as another tenant grows, and no further", async () => {
    const tier = await tenSlots("lru");
    const a = await fill(tier, "tenant-a", 8);
    const b = await fill(tier, "tenant-b", 7);
    // Trace: B's 3rd..5th entries each evict A's oldest (A over its share of 5); from B's 6th on, A is
    // at its share and B, about to exceed it, gives up its own oldest.
    expect(await present(tier, a)).toEqual([false, false, false, true, true, true, true, true]);
    expect(await present(tier, b)).toEqual([false, false, true, true, true, true, true]);
    expect(tier.usageOf("tenant-a").entries).toBe(5);
    expect(tier.usageOf("tenant-b").entries).toBe(5);
    expect(tier.evictions).toBe(5);
  });

  it("a single tenant uses the whole budget; clearing a tenant frees only its share", async () => {
    const tier = await tenSlots("lru");
    const a = await fill(tier, "tenant-a", 12);
    expect(await present(tier, a)).toEqual([false, false, ...Array(10).fill(true)]);
    await fill(tier, "tenant-b", 3);
    expect(tier.usageOf("tenant-a").entries).toBe(7);
    expect(await tier.clear?.("tenant-b")).toBe(3);
    expect(tier.usageOf("tenant-b")).toEqual({ entries: 0, bytes: 0 });
    expect((await tier.usage()).entries).toBe(7);
  });
});
