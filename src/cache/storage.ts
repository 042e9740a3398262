/**
 * @module Storage as the resolution code sees it: the tier chain of this request, and the two ways an
 * answer is written (to every tier by the write policy, or to this isolate's L1 when the coalescer has
 * written the shared tiers).
 */
import type { CacheConfig } from "../config";
import type { TierChain } from "../tiers/chain";
import type { CacheEntry } from "./entry";
import type { CacheStats } from "./stats";
import { createCacheTiers, storeEntry, type TierBindings } from "./tiers";

export interface CacheStorage {
  /** Every tier, fastest first. */
  chain: TierChain;
  /** Writes an answer to the tiers the config names, by its write policy. */
  store(entry: CacheEntry): Promise<void>;
  /** Writes an answer to this isolate's L1 only (the coalescer wrote the shared tiers). */
  storeLocal(entry: CacheEntry): Promise<void>;
}

export function createCacheStorage(
  bindings: TierBindings,
  config: CacheConfig,
  ctx: Pick<ExecutionContext, "waitUntil">,
  stats: CacheStats,
): CacheStorage {
  const chain = createCacheTiers(bindings, config, ctx, stats);
  let isolateTier: TierChain | undefined;
  return {
    chain,
    async store(entry) {
      const stored = await storeEntry(chain, entry, config);
      stats.recordStored(stored.meta.size, stored.meta.storedSize);
    },
    async storeLocal(entry) {
      if (!config.writeTiers.includes("l1")) return;
      isolateTier ??= createCacheTiers(bindings, config, ctx, stats, "isolate");
      const stored = await storeEntry(isolateTier, entry, { ...config, writePolicy: "write-through" });
      stats.recordStored(stored.meta.size, stored.meta.storedSize);
    },
  };
}
