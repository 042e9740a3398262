import { describe, expect, it } from "vitest";
import { encodeEntry } from "../../src/cache/codec";
import { createTierChain } from "../../src/tiers/chain";
import { createMemoryTier } from "../../src/tiers/memory";
import type { StoredEntry, Tier, TierName } from "../../src/tiers/types";
import { makeEntry } from "../contract/tier-contract";

/** A tier over a Map whose writes wait until released, to observe what the chain awaits. */
function slowTier(name: TierName) {
  const data = new Map<string, StoredEntry>();
  const pending: Array<() => void> = [];
  const tier: Tier = {
    name,
    get: async (key) => data.get(key) ?? null,
    set: (key, entry) =>
      new Promise<void>((resolve) =>
        pending.push(() => {
          data.set(key, entry);
          resolve();
        }),
      ),
    delete: async (key) => void data.delete(key),
  };
  const release = (): void => {
    for (const go of pending.splice(0)) go();
  };
  return { tier, data, release };
}

function chainOf(
  tiers: Tier[],
  readTimeoutMs?: Partial<Record<TierName, number>>,
  more: { settleMs?: Partial<Record<TierName, number>>; now?: () => number } = {},
) {
  const background: Promise<unknown>[] = [];
  const faults: string[] = [];
  const chain = createTierChain(tiers, {
    waitUntil: (p) => background.push(p),
    onFault: (tier, op, fault) => faults.push(`${tier}:${op}:${fault}`),
    readTimeoutMs,
    ...more,
  });
  return { chain, background, faults };
}

describe("tier chain", () => {
  it("write-behind answers after L1 and leaves the slower tiers to waitUntil", async () => {
    const l1 = createMemoryTier({ maxBytes: 1 << 20, ttlSeconds: 60 });
    const l2 = slowTier("l2");
    const { chain, background } = chainOf([l1, l2.tier]);
    const entry = makeEntry();
    await chain.set(entry.key, await encodeEntry(entry), { policy: "write-behind" });
    expect(await l1.get(entry.key)).not.toBeNull();
    expect(l2.data.has(entry.key)).toBe(false);
    expect(background).toHaveLength(1);
    l2.release();
    await Promise.all(background);
    expect(l2.data.has(entry.key)).toBe(true);
  });

  it("write-through does not answer before every tier has the entry", async () => {
    const l2 = slowTier("l2");
    const { chain } = chainOf([l2.tier]);
    const entry = makeEntry();
    let done = false;
    const writing = chain.set(entry.key, await encodeEntry(entry), { policy: "write-through" }).then(() => {
      done = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(done).toBe(false);
    l2.release();
    await writing;
    expect(l2.data.has(entry.key)).toBe(true);
  });

  it("a tier that throws is reported and skipped on reads and writes", async () => {
    const broken: Tier = {
      name: "l2",
      get: () => Promise.reject(new Error("down")),
      set: () => Promise.reject(new Error("down")),
      delete: () => Promise.reject(new Error("down")),
    };
    const l3 = slowTier("l3");
    const { chain, faults } = chainOf([broken, l3.tier]);
    const entry = makeEntry();
    const writing = chain.set(entry.key, await encodeEntry(entry), { policy: "write-through" });
    l3.release();
    await writing;
    const hit = await chain.get(entry.key);
    expect(hit?.tier).toBe("l3");
    expect(hit?.entry).toEqual(entry);
    expect(faults).toContain("l2:set:error");
    expect(faults).toContain("l2:get:error");
  });

  it("a read past its tier's deadline is a timeout fault and the next tier answers", async () => {
    const entry = makeEntry();
    const stored = await encodeEntry(entry);
    // Its reads never answer: without a deadline the chain would wait for ever.
    const stuck: Tier = {
      name: "l2",
      get: () => new Promise<never>(() => {}),
      set: async () => {},
      delete: async () => {},
    };
    const l3 = slowTier("l3");
    l3.data.set(entry.key, stored);
    const { chain, faults, background } = chainOf([stuck, l3.tier], { l2: 20 });
    const hit = await chain.get(entry.key);
    expect(hit?.tier).toBe("l3");
    expect(hit?.entry).toEqual(entry);
    expect(faults).toEqual(["l2:get:timeout"]);
    // The slow tier still gets the back-fill (in the background), like after any other fault.
    expect(background).toHaveLength(1);
  });

  it("a read within its deadline is served by that tier", async () => {
    const entry = makeEntry();
    const l2 = slowTier("l2");
    l2.data.set(entry.key, await encodeEntry(entry));
    const { chain, faults } = chainOf([l2.tier], { l2: 1_000 });
    expect((await chain.get(entry.key))?.tier).toBe("l2");
    expect(faults).toEqual([]);
  });

  it("does not back-fill a tier that missed an entry still settling there, unless its copy was corrupt", async () => {
    const entry = makeEntry();
    const stored = await encodeEntry(entry);
    const backfilled = async (at: number, l2Copy?: StoredEntry) => {
      const l2 = slowTier("l2");
      if (l2Copy) l2.data.set(entry.key, l2Copy);
      const l3 = slowTier("l3");
      l3.data.set(entry.key, stored);
      const now = () => stored.meta.createdAt + at;
      const { chain, background } = chainOf([l2.tier, l3.tier], undefined, { settleMs: { l2: 60_000 }, now });
      expect((await chain.get(entry.key))?.tier).toBe("l3");
      l2.release();
      await Promise.all(background);
      return l2.data.get(entry.key) === stored;
    };
    // Ten seconds old: the store wrote KV and the copy is on its way; a minute and more: KV lost it.
    expect(await backfilled(10_000)).toBe(false);
    expect(await backfilled(61_000)).toBe(true);
    // A corrupt copy is no copy on its way: replaced at once.
    const corrupt = { ...stored, body: stored.body.map((b) => b ^ 0xff) };
    expect(await backfilled(10_000, corrupt)).toBe(true);
  });
});
