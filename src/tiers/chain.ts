/** @module Reads through the tiers in order, back-fills faster ones, and writes by the write policy. */
import { CorruptEntryError, decodeEntry } from "../cache/codec";
import type { CacheEntry } from "../cache/entry";
import { DeadlineError, withDeadline } from "../deadline";
import type { StoredEntry, Tier, TierName, TierSetOptions } from "./types";

/** Why a tier operation failed; the chain reports it and carries on without that tier. */
export type TierFault = "error" | "corrupt" | "timeout";

export interface TierChainOptions {
  /** Runs work after the response (back-fill, write-behind, hit stats). */
  waitUntil(promise: Promise<unknown>): void;
  /** Called for every tier failure; must not throw. */
  onFault?(tier: TierName, op: string, fault: TierFault, error: unknown): void;
  /** Whether `tier` should hold a body of `storedSize` bytes (size limits, write tiers). */
  accepts?(tier: TierName, entry: StoredEntry): boolean;
  /**
   * Milliseconds a tier's read may take before the chain gives up on it, treats it as a miss (a
   * `timeout` fault) and reads the next tier: one slow tier must not stall an answer a lower tier or
   * the upstream can give. No deadline for a tier not named.
   */
  readTimeoutMs?: Partial<Record<TierName, number>>;
  /**
   * Milliseconds after an entry's creation during which a tier that simply missed it is not
   * back-filled: the store wrote it there and its copy is still on its way (KV: a read at another
   * location can miss for up to 60 s). Back-filling would write one key once per isolate that reads it
   * (KV allows one write per second per key). A tier that held a corrupt copy is back-filled at once.
   */
  settleMs?: Partial<Record<TierName, number>>;
  now?: () => number;
}

export interface ChainHit {
  entry: CacheEntry;
  stored: StoredEntry;
  tier: TierName;
}

export interface ChainGetOptions {
  /** Serve only entries younger than this many seconds (`Cache-Control: max-age`). */
  maxAgeSeconds?: number;
  /** A check, not a client's access (prefetch): hit counts and last-access times are left alone. */
  peek?: boolean;
}

export interface ChainSetOptions extends TierSetOptions {
  /** Await every tier (`write-through`) or only the first, the rest in waitUntil (`write-behind`). */
  policy: "write-through" | "write-behind";
}

/**
 * Entries already decoded in this isolate, by the stored object they came from. L1 hands back the
 * same object on every hit, so an L1 hit skips decompression and re-hashing: its bytes were checked
 * when they entered the isolate. Bytes read from KV, D1 or R2 are new objects and always verified.
 */
const decoded = new WeakMap<StoredEntry, CacheEntry>();

/** Records that `stored` holds `entry` (it was just encoded from it), so L1 hits need not decode it. */
export function rememberDecoded(stored: StoredEntry, entry: CacheEntry): void {
  decoded.set(stored, entry);
}

async function decodeOnce(stored: StoredEntry): Promise<CacheEntry> {
  const known = decoded.get(stored);
  if (known) return known;
  const entry = await decodeEntry(stored);
  decoded.set(stored, entry);
  return entry;
}

/** The tiers as one cache. A failing tier is reported through `onFault` and skipped, never thrown. */
export function createTierChain(tiers: readonly Tier[], options: TierChainOptions) {
  const now = options.now ?? Date.now;
  const accepts = options.accepts ?? (() => true);

  const attempt = async <T>(tier: Tier, op: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await run();
    } catch (error) {
      options.onFault?.(tier.name, op, error instanceof DeadlineError ? "timeout" : "error", error);
      return undefined;
    }
  };
  const read = (tier: Tier, key: string) =>
    attempt(tier, "get", () =>
      withDeadline(tier.get(key), options.readTimeoutMs?.[tier.name], `${tier.name} get`),
    );
  const later = (tier: Tier, op: string, run: () => Promise<unknown>): void =>
    options.waitUntil(attempt(tier, op, run));

  async function get(key: string, getOptions: ChainGetOptions = {}): Promise<ChainHit | null> {
    const corrupt = new Set<TierName>();
    for (const [index, tier] of tiers.entries()) {
      const stored = await read(tier, key);
      if (!stored) continue;
      const { maxAgeSeconds } = getOptions;
      // Every tier holds the same answer with the same createdAt: too old here is too old everywhere.
      if (maxAgeSeconds !== undefined && now() - stored.meta.createdAt > maxAgeSeconds * 1000) return null;
      let entry: CacheEntry;
      try {
        entry = await decodeOnce(stored);
      } catch (error) {
        options.onFault?.(
          tier.name,
          "decode",
          error instanceof CorruptEntryError ? "corrupt" : "error",
          error,
        );
        later(tier, "delete", () => tier.delete(key));
        corrupt.add(tier.name);
        continue;
      }
      const age = now() - stored.meta.createdAt;
      const settling = (t: Tier) => !corrupt.has(t.name) && age < (options.settleMs?.[t.name] ?? 0);
      for (const faster of tiers.slice(0, index)) {
        if (accepts(faster.name, stored) && !settling(faster)) {
          later(faster, "backfill", () => faster.set(key, stored));
        }
      }
      if (!getOptions.peek) {
        for (const t of tiers)
          if (t.touch) later(t, "touch", () => t.touch?.(key, now()) ?? Promise.resolve());
      }
      return { entry, stored, tier: tier.name };
    }
    return null;
  }

  async function set(key: string, stored: StoredEntry, setOptions: ChainSetOptions): Promise<void> {
    const targets = tiers.filter((t) => accepts(t.name, stored));
    const write = (t: Tier) => attempt(t, "set", () => t.set(key, stored, setOptions));
    if (setOptions.policy === "write-through") {
      await Promise.all(targets.map(write));
      return;
    }
    const [first, ...rest] = targets;
    if (first) await write(first);
    for (const t of rest) options.waitUntil(write(t));
  }

  async function remove(key: string): Promise<void> {
    await Promise.all(tiers.map((t) => attempt(t, "delete", () => t.delete(key))));
  }

  return { tiers, get, set, delete: remove };
}

export type TierChain = ReturnType<typeof createTierChain>;
