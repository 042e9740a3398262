import { env } from "cloudflare:workers";
import { createD1Tier } from "../../src/tiers/d1";
import { createKvTier } from "../../src/tiers/kv";
import { createMemoryTier } from "../../src/tiers/memory";
import { createR2Tier } from "../../src/tiers/r2";
import type { Tier } from "../../src/tiers/types";
import { type TierHarness, testTier } from "./tier-contract";

/** Gives a tier factory a clock the test can move. */
function withClock(make: (now: () => number) => Tier): () => TierHarness {
  return () => {
    let offset = 0;
    const tier = make(() => Date.now() + offset);
    const advance = (ms: number): void => {
      offset += ms;
    };
    return { tier, advance };
  };
}

testTier(
  "memory (lru)",
  withClock((now) => createMemoryTier({ maxBytes: 1 << 20, ttlSeconds: 3600, policy: "lru", now })),
);
testTier(
  "memory (lfu)",
  withClock((now) => createMemoryTier({ maxBytes: 1 << 20, ttlSeconds: 3600, policy: "lfu", now })),
);
testTier(
  "kv",
  withClock((now) => createKvTier(env.CACHE_KV, { ttlSeconds: 3600, now })),
);
testTier(
  "d1",
  withClock((now) => createD1Tier(env.DB, { ttlSeconds: 3600, maxBodyBytes: 1 << 20, now })),
);
testTier(
  "r2",
  withClock((now) => createR2Tier(env.ARCHIVE, { ttlSeconds: 3600, now })),
);
