/** @module The four tiers as this deployment configures them: L1 per isolate, KV, D1 and R2 per request. */
import type { CacheConfig } from "../config";
import type { Env } from "../env";
import { describeError } from "../errors";
import { createTierChain, rememberDecoded, type TierChain } from "../tiers/chain";
import { createD1Tier } from "../tiers/d1";
import { createKvTier } from "../tiers/kv";
import { createMemoryTier, type MemoryTier } from "../tiers/memory";
import { createR2Tier } from "../tiers/r2";
import type { StoredEntry, Tier, TierName } from "../tiers/types";
import { encodeEntry } from "./codec";
import type { CacheEntry } from "./entry";
import type { CacheStats } from "./stats";

// L1 lives as long as the isolate serves requests.
let memoryTier: MemoryTier | undefined;
let memoryConfig: CacheConfig | undefined;

/** The isolate's L1, sized and set to the policy `config` asks for (re-applied when the config changes). */
export function isolateMemoryTier(config: CacheConfig): MemoryTier {
  const { maxBytes, ttlSeconds } = config.tiers.l1;
  memoryTier ??= createMemoryTier({ maxBytes, ttlSeconds, policy: config.evictionPolicy });
  if (memoryConfig !== config) {
    memoryTier.resize(maxBytes, ttlSeconds);
    memoryTier.setPolicy(config.evictionPolicy);
    memoryConfig = config;
  }
  return memoryTier;
}

/**
 * The KV, D1 and R2 tiers hold no request state, only their binding and TTLs: one set is kept, rebuilt
 * when the config or a binding object changes (one set per isolate in practice; a test that swaps a
 * binding gets its own). Building them per request cost a hit two drizzle instances and a dozen closures.
 */
let durableTiers: { config: CacheConfig; bindings: readonly unknown[]; tiers: readonly Tier[] } | undefined;

/** The bindings the tiers need, and nothing else. */
export type TierBindings = Pick<Env, "CACHE_KV" | "DB" | "ARCHIVE">;

function isolateDurableTiers(env: TierBindings, config: CacheConfig): readonly Tier[] {
  const bindings = [env.CACHE_KV, env.DB, env.ARCHIVE] as const;
  const known = durableTiers;
  if (known?.config === config && known.bindings.every((b, i) => b === bindings[i])) return known.tiers;
  const { l2, l3, l4 } = config.tiers;
  const tiers = [
    createKvTier(env.CACHE_KV, { ttlSeconds: l2.ttlSeconds }),
    createD1Tier(env.DB, { ttlSeconds: l3.ttlSeconds, maxBodyBytes: l3.maxEntryBytes }),
    createR2Tier(env.ARCHIVE, { ttlSeconds: l4.ttlSeconds }),
  ];
  durableTiers = { config, bindings, tiers };
  return tiers;
}

/** Which tiers take a stored body: the configured write tiers within their size limits, and R2 for big ones. */
export function placement(config: CacheConfig) {
  return (tier: TierName, entry: StoredEntry): boolean => {
    const size = entry.meta.storedSize;
    const { l3, l4 } = config.tiers;
    // D1 indexes every entry; the row holds the body only when it fits (see tiers/d1.ts).
    if (tier === "l3") return config.writeTiers.includes("l3") || size > l3.maxEntryBytes;
    if (tier === "l4") {
      return (
        size <= l4.maxEntryBytes &&
        (config.writeTiers.includes("l4") || size >= l4.minEntryBytes || size > l3.maxEntryBytes)
      );
    }
    return config.writeTiers.includes(tier) && size <= config.tiers[tier].maxEntryBytes;
  };
}

/**
 * How long KV may answer "missing" at another location after a write (its cached negative lookups):
 * https://developers.cloudflare.com/kv/concepts/how-kv-works/. Within it a D1 hit does not back-fill KV.
 */
export const KV_SETTLE_MS = 60_000;

/** Which tiers a chain holds: all four, the shared ones (L2-L4: the coalescer's), or the isolate's L1. */
export type TierScope = "all" | "shared" | "isolate";

/** The tier chain of one request; faults are counted in `stats` and logged without request data. */
export function createCacheTiers(
  env: TierBindings,
  config: CacheConfig,
  ctx: Pick<ExecutionContext, "waitUntil">,
  stats: CacheStats,
  scope: TierScope = "all",
): TierChain {
  const { l2, l3, l4 } = config.tiers;
  const local = scope === "shared" ? [] : [isolateMemoryTier(config)];
  const shared = scope === "isolate" ? [] : isolateDurableTiers(env, config);
  return createTierChain([...local, ...shared], {
    waitUntil: (p) => ctx.waitUntil(p),
    accepts: placement(config),
    readTimeoutMs: { l2: l2.readTimeoutMs, l3: l3.readTimeoutMs, l4: l4.readTimeoutMs },
    settleMs: { l2: KV_SETTLE_MS },
    onFault(tier, op, fault, error) {
      if (fault === "corrupt") stats.corruptEntries++;
      else stats.tierErrors[tier]++;
      if (fault === "timeout") stats.tierTimeouts[tier]++;
      // describeError keeps query text and bound parameters (prompts, keys) out of the logs.
      console.warn(`r1cache: tier ${tier} ${op} failed (${fault}): ${describeError(error)}`);
    },
  });
}

/** Encodes `entry` as `config` says and writes it to the tiers of `chain` by the write policy. */
export async function storeEntry(
  chain: TierChain,
  entry: CacheEntry,
  config: CacheConfig,
): Promise<StoredEntry> {
  const stored = await encodeEntry(entry, {
    mode: config.compression,
    thresholdBytes: config.compressionThresholdBytes,
  });
  rememberDecoded(stored, entry);
  await chain.set(entry.key, stored, {
    policy: config.writePolicy,
    info: { model: entry.model, prompt: entry.prompt },
  });
  return stored;
}
