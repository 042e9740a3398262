import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../src/config";
import type { Env } from "../../src/env";
import { runMaintenance } from "../../src/maintenance";
import { emptyHour, HOUR_MS, perTier, type StatsBatch } from "../../src/stats/batch";
import { ADMIN, call, chat } from "../helpers/worker";

const stats = async () => (await call("/admin/stats", { headers: ADMIN })).json();
const ask = (prompt: string) => call("/v1/chat/completions", { body: chat(prompt) });

describe("global statistics in the StatsShard Durable Objects", () => {
  it("/admin/stats answers for the deployment: hits, misses, upstream calls, hourly and daily hit rate, latency", async () => {
    const before = await stats();
    expect(before.scope).toBe("global");
    await ask("global stats: a miss, then two hits");
    await ask("global stats: a miss, then two hits");
    await ask("global stats: a miss, then two hits");
    const after = await stats();
    expect(after.hits - before.hits).toBe(2);
    expect(after.misses - before.misses).toBe(1);
    expect(after.upstream_calls - before.upstream_calls).toBe(1);
    const hour = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS).toISOString();
    expect(after.hit_rate_hourly.find((h: { hour: string }) => h.hour === hour)).toBeDefined();
    expect(after.hit_rate_daily.length).toBeGreaterThanOrEqual(1);
    expect(after.latency_ms.p50).toBeGreaterThan(0);
    expect(after.latency_ms.p99).toBeGreaterThanOrEqual(after.latency_ms.p50);
    expect(after.top_keys[0].hits).toBeGreaterThanOrEqual(2);
  });

  it("loses no count under concurrent requests", async () => {
    await ask("global stats: asked by many at once");
    const before = await stats();
    await Promise.all(Array.from({ length: 60 }, () => ask("global stats: asked by many at once")));
    const after = await stats();
    expect(after.hits - before.hits).toBe(60);
  });

  it("a shard adds concurrent batches exactly", async () => {
    const shard = env.STATS.get(env.STATS.idFromName("test-shard"));
    const hourSlot = String(Math.floor(Date.now() / HOUR_MS) * HOUR_MS);
    const batch = (): StatsBatch => ({
      keys: {
        k: {
          namespace: "t",
          hits: { ...perTier(), l2: 1 },
          misses: 0,
          lastAccess: Date.now(),
          size: 10,
          upstreamMs: 0,
          tokensSaved: 3,
        },
      },
      hours: { [hourSlot]: { ...emptyHour(), hits: 1, tokensSaved: 3 } },
    });
    await Promise.all(Array.from({ length: 25 }, () => shard.ingest(batch())));
    const summary = await shard.summary(0, 5);
    expect(summary.topKeys[0]).toMatchObject({ key: "k", hits: 25, hitsL2: 25, tokensSaved: 75 });
    expect(summary.hours[0]).toMatchObject({ hits: 25, tokensSaved: 75 });
  });

  it("counts each entry once, wherever its body is, and compression as plain / stored", async () => {
    await ask("global stats: an entry that moves to R2");
    const before = await stats();
    const ctx = createExecutionContext();
    await runMaintenance("demote", env as unknown as Env, ctx, DEFAULT_CONFIG, {
      now: Date.now() + 30 * 24 * HOUR_MS,
      batch: 500,
    });
    await waitOnExecutionContext(ctx);
    const after = await stats();
    expect(after.tiers.l3.entries).toBeLessThan(before.tiers.l3.entries);
    expect(after.unique_entries).toBe(before.unique_entries);
    expect(after.cache_size_bytes).toBe(before.cache_size_bytes);
    expect(after.compression_ratio).toBeGreaterThanOrEqual(1);
  });
});
