/** The contract every Tier must keep (like unstorage's testDriver); run by tiers.test.ts per backend. */
import { describe, expect, it } from "vitest";
import { decodeEntry, encodeEntry } from "../../src/cache/codec";
import type { CacheEntry } from "../../src/cache/entry";
import type { StoredEntry, Tier } from "../../src/tiers/types";

let counter = 0;

/** A fresh entry with a unique key; `contentChars` sets how big the answer is. */
export function makeEntry(overrides: Partial<CacheEntry> = {}, contentChars = 200): CacheEntry {
  counter++;
  const now = Date.now();
  return {
    v: 1,
    key: `contract-${counter}-${crypto.randomUUID()}`,
    namespace: "contract",
    model: "deepseek-reasoner",
    prompt: `question ${counter}`,
    reasoning: `thinking about ${counter}`,
    content: "x".repeat(contentChars),
    reasoningFormat: "reasoning_content",
    finishReason: "stop",
    usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
    upstream: "simulator",
    createdAt: now,
    expiresAt: now + 3_600_000,
    ...overrides,
  };
}

export interface TierHarness {
  tier: Tier;
  /** Advances the tier's clock (tiers take a `now` option). */
  advance(ms: number): void;
}

/** Runs the Tier contract against tiers made by `factory`. */
export function testTier(name: string, factory: () => TierHarness | Promise<TierHarness>): void {
  describe(`Tier contract: ${name}`, () => {
    const stored = async (entry = makeEntry()): Promise<[CacheEntry, StoredEntry]> => [
      entry,
      await encodeEntry(entry),
    ];

    it("returns null for a key it never stored", async () => {
      const { tier } = await factory();
      expect(await tier.get(`missing-${crypto.randomUUID()}`)).toBeNull();
    });

    it("returns exactly what was stored: body bytes and metadata", async () => {
      const { tier } = await factory();
      const [entry, value] = await stored(makeEntry({}, 5000));
      await tier.set(entry.key, value, { info: { model: entry.model, prompt: entry.prompt } });
      const got = await tier.get(entry.key);
      expect(got?.meta).toEqual(value.meta);
      expect(got && [...got.body]).toEqual([...value.body]);
      expect(got && (await decodeEntry(got))).toEqual(entry);
    });

    it("overwrites an existing key", async () => {
      const { tier } = await factory();
      const [entry, first] = await stored();
      const [, second] = await stored({ ...entry, content: "second answer" });
      await tier.set(entry.key, first);
      await tier.set(entry.key, second);
      const got = await tier.get(entry.key);
      expect(got && (await decodeEntry(got)).content).toBe("second answer");
    });

    it("deletes a key, and deleting a missing key is not an error", async () => {
      const { tier } = await factory();
      const [entry, value] = await stored();
      await tier.set(entry.key, value);
      await tier.delete(entry.key);
      expect(await tier.get(entry.key)).toBeNull();
      await expect(tier.delete(entry.key)).resolves.toBeUndefined();
    });

    it("does not serve an entry past its expiry", async () => {
      const { tier, advance } = await factory();
      const [entry, value] = await stored(makeEntry({ expiresAt: Date.now() + 120_000 }));
      await tier.set(entry.key, value);
      expect(await tier.get(entry.key)).not.toBeNull();
      advance(121_000);
      expect(await tier.get(entry.key)).toBeNull();
    });

    it("clears one namespace without touching another", async () => {
      const { tier } = await factory();
      if (!tier.clear) return;
      const [a, va] = await stored(makeEntry({ namespace: `ns-a-${counter}` }));
      const [b, vb] = await stored(makeEntry({ namespace: `ns-b-${counter}` }));
      await tier.set(a.key, va);
      await tier.set(b.key, vb);
      await tier.clear(a.namespace);
      expect(await tier.get(a.key)).toBeNull();
      expect(await tier.get(b.key)).not.toBeNull();
    });

    it("reports the usage of one namespace apart from the others", async () => {
      const { tier } = await factory();
      if (!tier.usage) return;
      const ns = `ns-usage-${counter}-${crypto.randomUUID()}`;
      const [a, va] = await stored(makeEntry({ namespace: ns }));
      const [b, vb] = await stored(makeEntry({ namespace: ns }));
      const [other, vother] = await stored(makeEntry({ namespace: `${ns}-other` }));
      await tier.set(a.key, va);
      await tier.set(b.key, vb);
      await tier.set(other.key, vother);
      const mine = await tier.usage(ns);
      expect(mine.entries).toBe(2);
      expect(mine.bytes).toBeGreaterThanOrEqual(va.meta.storedSize + vb.meta.storedSize);
      expect((await tier.usage(`${ns}-other`)).entries).toBe(1);
      expect((await tier.usage()).entries).toBeGreaterThanOrEqual(3);
    });

    it("lists every key it holds, a page at a time, with when it was written", async () => {
      const { tier } = await factory();
      if (!tier.listKeys) return;
      const before = Date.now() - 60_000;
      const mine = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const [entry, value] = await stored();
        await tier.set(entry.key, value);
        mine.add(entry.key);
      }
      const listed = new Map<string, number>();
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await tier.listKeys(cursor, 2);
        expect(page.keys.length).toBeLessThanOrEqual(2);
        for (const { key, writtenAt } of page.keys) listed.set(key, writtenAt);
        cursor = page.cursor;
        pages++;
      } while (cursor && pages < 10_000);
      expect(pages).toBeGreaterThanOrEqual(2);
      for (const key of mine) expect(listed.get(key)).toBeGreaterThan(before);
    });
  });
}
