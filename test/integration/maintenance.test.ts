import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, mergeConfig } from "../../src/config";
import type { Env } from "../../src/env";
import { type MaintenanceJob, runMaintenance } from "../../src/maintenance";
import type { CleanupReport } from "../../src/maintenance/cleanup";
import type { DemoteReport } from "../../src/maintenance/demote";
import { ADMIN, call, chat, clearTier } from "../helpers/worker";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One pass of a job as if the clock read `now`. */
async function pass<T extends MaintenanceJob>(
  job: T,
  now: number,
  batch = 200,
  patch: Parameters<typeof mergeConfig>[1] = {},
): Promise<T extends "demote" ? DemoteReport : CleanupReport> {
  const ctx = createExecutionContext();
  const config = mergeConfig(DEFAULT_CONFIG, patch);
  const report = await runMaintenance(job, env as unknown as Env, ctx, config, { now, batch });
  await waitOnExecutionContext(ctx);
  return report as T extends "demote" ? DemoteReport : CleanupReport;
}

const ask = (prompt: string) => call("/v1/chat/completions", { body: chat(prompt) });
const row = (key: string) =>
  env.DB.prepare("select location, body is null as no_body, l2_demoted_at from entries where key = ?")
    .bind(key)
    .first<{ location: string; no_body: number; l2_demoted_at: number | null }>();

describe("demotion moves idle entries down, hits bring them back up", () => {
  it("L1 -> L2 -> L3 -> L4 as the entry stays idle, serving the same answer from each tier", async () => {
    const stored = await ask("Demote me through every tier");
    const key = stored.headers.get("x-r1cache-key") ?? "";
    const answer = stored.json().choices[0].message.content;
    const t0 = Date.now();

    const hour2 = await pass("demote", t0 + 2 * HOUR);
    expect(hour2.l1).toBeGreaterThanOrEqual(1);
    expect(hour2.l2).toBe(0);
    const fromKv = await ask("Demote me through every tier");
    expect([fromKv.headers.get("x-r1cache-tier"), fromKv.json().choices[0].message.content]).toEqual([
      "l2",
      answer,
    ]);

    const day2 = await pass("demote", t0 + 2 * DAY);
    expect(day2.l2).toBeGreaterThanOrEqual(1);
    expect(await env.CACHE_KV.get(`e:${key}`)).toBeNull();
    expect((await row(key))?.l2_demoted_at).toBe(t0 + 2 * DAY);
    const fromD1 = await ask("Demote me through every tier");
    expect([fromD1.headers.get("x-r1cache-tier"), fromD1.json().choices[0].message.content]).toEqual([
      "l3",
      answer,
    ]);

    const day8 = await pass("demote", t0 + 8 * DAY);
    expect(day8.l3).toBeGreaterThanOrEqual(1);
    expect(await row(key)).toMatchObject({ location: "l4", no_body: 1 });
    expect(await env.ARCHIVE.head(`entries/${key}`)).not.toBeNull();
    // The hit from D1 copied the entry back into KV and L1 (promotion); without them, R2 serves it.
    await clearTier("l1");
    await clearTier("l2");
    const fromR2 = await ask("Demote me through every tier");
    expect([fromR2.headers.get("x-r1cache-tier"), fromR2.json().choices[0].message.content]).toEqual([
      "l4",
      answer,
    ]);
    // ...and the hit from R2 promotes it again.
    expect((await ask("Demote me through every tier")).headers.get("x-r1cache-tier")).toBe("l1");
  });

  it("works in bounded passes: one that stops half-way is resumed by the next, and nothing is lost", async () => {
    const prompts = Array.from({ length: 5 }, (_, i) => `Bounded demotion ${i}`);
    const answers = new Map<string, string>();
    for (const prompt of prompts) answers.set(prompt, (await ask(prompt)).json().choices[0].message.content);
    const t0 = Date.now();
    const passes: DemoteReport[] = [];
    for (let i = 0; i < 10; i++) {
      const report = await pass("demote", t0 + 40 * DAY, 2);
      passes.push(report);
      if (!report.more) break;
    }
    expect(passes[0]).toMatchObject({ l3: 2, more: true });
    expect(passes.at(-1)?.more).toBe(false);
    expect(passes.reduce((sum, p) => sum + p.l3, 0)).toBeGreaterThanOrEqual(5);
    await clearTier("l1");
    await clearTier("l2");
    for (const prompt of prompts) {
      const res = await ask(prompt);
      expect([res.headers.get("x-r1cache-tier"), res.json().choices[0].message.content]).toEqual([
        "l4",
        answers.get(prompt),
      ]);
    }
  });

  it("with L1 as the only write tier, an idle L1 entry is written to KV before it leaves memory", async () => {
    const onlyL1 = { R1CACHE_CONFIG: JSON.stringify({ writeTiers: ["l1"] }) };
    const stored = await call("/v1/chat/completions", { body: chat("Only in memory"), env: onlyL1 });
    const key = stored.headers.get("x-r1cache-key") ?? "";
    expect(await env.CACHE_KV.get(`e:${key}`)).toBeNull();
    const report = await pass("demote", Date.now() + 2 * HOUR, 200, { writeTiers: ["l1"] });
    expect(report.l1).toBeGreaterThanOrEqual(1);
    expect(await env.CACHE_KV.get(`e:${key}`)).not.toBeNull();
    const again = await call("/v1/chat/completions", { body: chat("Only in memory"), env: onlyL1 });
    expect(again.headers.get("x-r1cache-tier")).toBe("l2");
  });
});

describe("cleanup", () => {
  it("removes entries older than maxAgeDays from every tier, with their aliases", async () => {
    const old = await ask("An answer that grows old");
    const key = old.headers.get("x-r1cache-key") ?? "";
    const report = await pass("cleanup", Date.now() + 3 * DAY, 200, { maxAgeDays: 2 });
    expect(report.aged).toBeGreaterThanOrEqual(1);
    expect(await row(key)).toBeNull();
    expect(await env.CACHE_KV.get(`e:${key}`)).toBeNull();
    expect((await ask("An answer that grows old")).headers.get("x-r1cache")).toBe("MISS");
  });

  it("removes entries asked fewer than minAccessCount times once a day old, and keeps the popular ones", async () => {
    const popular = (await ask("A popular answer")).headers.get("x-r1cache-key") ?? "";
    const lonely = (await ask("A lonely answer")).headers.get("x-r1cache-key") ?? "";
    await env.DB.prepare("update entries set hit_count = 5 where key = ?").bind(popular).run();
    const early = await pass("cleanup", Date.now() + HOUR, 200, { minAccessCount: 2 });
    expect(await row(lonely)).not.toBeNull();
    expect(early.unused).toBe(0);
    const later = await pass("cleanup", Date.now() + 2 * DAY, 200, { minAccessCount: 2 });
    expect(later.unused).toBeGreaterThanOrEqual(1);
    expect(await row(lonely)).toBeNull();
    expect(await row(popular)).not.toBeNull();
  });
});

describe("POST /admin/maintenance/:job", () => {
  it("runs one bounded pass and says what it did", async () => {
    const res = await call("/admin/maintenance/demote?batch=50", { method: "POST", headers: ADMIN });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ job: "demote", l1: 0, l2: 0, l3: 0, failed: 0, more: false });
    const cleanupRes = await call("/admin/maintenance/cleanup", { method: "POST", headers: ADMIN });
    expect(cleanupRes.json()).toMatchObject({ job: "cleanup", aged: 0, unused: 0, more: false });
  });

  it("names the bad part: an unknown job is a 404, a bad batch a 400", async () => {
    const unknown = await call("/admin/maintenance/defrost", { method: "POST", headers: ADMIN });
    expect([unknown.status, unknown.json().error.param]).toEqual([404, "job"]);
    const bad = await call("/admin/maintenance/demote?batch=0", { method: "POST", headers: ADMIN });
    expect([bad.status, bad.json().error.param]).toEqual([400, "batch"]);
  });
});

describe("each isolate demotes its own L1", () => {
  it("moves idle L1 entries down at most once a minute, from a request's waitUntil", async () => {
    const { demoteIdleL1 } = await import("../../src/maintenance");
    const stored = await ask("Idle in this isolate's memory");
    const key = stored.headers.get("x-r1cache-key") ?? "";
    const ctx = createExecutionContext();
    const later = Date.now() + 2 * HOUR;
    const first = await demoteIdleL1(env as unknown as Env, ctx, DEFAULT_CONFIG, later);
    expect(first?.l1).toBeGreaterThanOrEqual(1);
    expect(first).toMatchObject({ l2: 0, l3: 0 });
    // Within the minute: nothing runs.
    expect(await demoteIdleL1(env as unknown as Env, ctx, DEFAULT_CONFIG, later + 1000)).toBeUndefined();
    await waitOnExecutionContext(ctx);
    const res = await ask("Idle in this isolate's memory");
    expect([res.headers.get("x-r1cache-tier"), res.headers.get("x-r1cache-key")]).toEqual(["l2", key]);
  });
});

describe("capacity of the shared tiers", () => {
  it("moves the coldest D1 bodies to R2 over l3.maxBytes, and removes the coldest R2 entries over l4.maxBytes", async () => {
    const keys: string[] = [];
    for (let i = 0; i < 4; i++) keys.push((await ask(`Capacity ${i}`)).headers.get("x-r1cache-key") ?? "");
    const bodies = await env.DB.prepare(
      "select coalesce(sum(stored_size), 0) as b from entries where location = 'l3' and body is not null",
    ).first<{ b: number }>();
    const cap = Math.floor((bodies?.b ?? 0) / 2);
    const moved = await pass("demote", Date.now(), 200, { tiers: { l3: { maxBytes: cap } } });
    expect(moved.l3).toBeGreaterThanOrEqual(1);
    const after = await env.DB.prepare(
      "select coalesce(sum(stored_size), 0) as b from entries where location = 'l3' and body is not null",
    ).first<{ b: number }>();
    expect(after?.b).toBeLessThanOrEqual(cap);
    // The coldest (first stored) moved first, and still answers from R2.
    expect((await row(keys[0] ?? ""))?.location).toBe("l4");
    await clearTier("l1");
    await clearTier("l2");
    expect((await ask("Capacity 0")).headers.get("x-r1cache-tier")).toBe("l4");

    // (That hit promoted entry 0 back into D1.) Over l4.maxBytes, R2's entries go, coldest first.
    const { results } = await env.DB.prepare("select key from entries where location = 'l4'").all<{
      key: string;
    }>();
    expect(results.length).toBeGreaterThanOrEqual(1);
    const evicting = await pass("demote", Date.now(), 200, { tiers: { l4: { maxBytes: 1 } } });
    expect(evicting.evicted).toBe(results.length);
    for (const { key } of results) {
      expect(await row(key)).toBeNull();
      expect(await env.ARCHIVE.head(`entries/${key}`)).toBeNull();
    }
  });
});
