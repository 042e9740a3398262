import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { call, chat } from "../helpers/worker";

// Everything goes to D1 and R2, so the sweep has both to clean.
const ALL_TIERS = { R1CACHE_CONFIG: JSON.stringify({ writeTiers: ["l1", "l2", "l3", "l4"] }) };

async function runCron(cron: string): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ cron, scheduledTime: Date.now() }),
    { ...(env as unknown as Env), ...ALL_TIERS },
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

const rowCount = async (key: string) =>
  (await env.DB.prepare("select count(*) as n from entries where key = ?").bind(key).first<{ n: number }>())
    ?.n;

describe("cleanup cron", () => {
  it("deletes expired entries from D1 and R2 and keeps live ones", async () => {
    const expiring = await call("/v1/chat/completions", {
      body: chat("short-lived answer"),
      headers: { "x-r1cache-ttl": "1" },
      env: ALL_TIERS,
    });
    const lasting = await call("/v1/chat/completions", { body: chat("long-lived answer"), env: ALL_TIERS });
    const dead = expiring.headers.get("x-r1cache-key") ?? "";
    const live = lasting.headers.get("x-r1cache-key") ?? "";
    expect(await rowCount(dead)).toBe(1);
    expect(await env.ARCHIVE.head(`entries/${dead}`)).not.toBeNull();

    await new Promise((resolve) => setTimeout(resolve, 1100));
    await runCron("*/15 * * * *");

    expect(await rowCount(dead)).toBe(0);
    expect(await env.ARCHIVE.head(`entries/${dead}`)).toBeNull();
    expect(await rowCount(live)).toBe(1);
    expect(await env.ARCHIVE.head(`entries/${live}`)).not.toBeNull();
  });

  it("an unknown schedule does nothing and does not throw", async () => {
    await expect(runCron("0 0 1 1 *")).resolves.toBeUndefined();
  });
});

describe("daily defragment", () => {
  it("the daily cron removes an alias and a KV copy no entry owns, and keeps a live entry's", async () => {
    const live = await call("/v1/chat/completions", {
      body: chat("kept by the daily defragment"),
      env: ALL_TIERS,
    });
    const liveKey = live.headers.get("x-r1cache-key") ?? "";
    const gone = "d".repeat(64);
    const old = Date.now() - 24 * 3_600_000;
    await env.DB.prepare(
      "insert into aliases (key, canonical_key, namespace, prompt, similarity, reason, created_at) values (?, ?, 'dev', '', 0.9, '', ?)",
    )
      .bind("e".repeat(64), gone, old)
      .run();
    const meta = {
      codec: "none",
      checksum: "0".repeat(64),
      size: 2,
      storedSize: 2,
      createdAt: old,
      expiresAt: null,
      namespace: "dev",
    };
    await env.CACHE_KV.put(`e:${gone}`, "{}", { metadata: meta, expirationTtl: 3600 });

    await runCron("17 3 * * *");

    expect(
      await env.DB.prepare("select 1 from aliases where canonical_key = ?").bind(gone).first(),
    ).toBeNull();
    expect(await env.CACHE_KV.get(`e:${gone}`)).toBeNull();
    expect(await rowCount(liveKey)).toBe(1);
    expect(await env.CACHE_KV.get(`e:${liveKey}`)).not.toBeNull();
    expect(
      await env.DB.prepare("select 1 from maintenance_runs where job = 'defragment'").first(),
    ).toBeNull();
  });
});
