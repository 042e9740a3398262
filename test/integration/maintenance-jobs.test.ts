import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEV_NAMESPACE } from "../../src/auth";
import { sha256Hex } from "../../src/cache/codec";
import { DEFAULT_CONFIG, mergeConfig } from "../../src/config";
import type { Env } from "../../src/env";
import { type MaintenanceJob, type MaintenanceRun, runMaintenance } from "../../src/maintenance";
import type { DefragmentReport } from "../../src/maintenance/defragment";
import type { OptimizeReport } from "../../src/maintenance/optimize";
import type { RebuildReport } from "../../src/maintenance/rebuild";
import { createVectorIndex } from "../../src/semantic/vectors/factory";
import { ADMIN, CLIENT, call, chat, clearTier } from "../helpers/worker";

const HOUR = 3_600_000;
const workerEnv = env as unknown as Env;

type Reports = { optimize: OptimizeReport; defragment: DefragmentReport; rebuild: RebuildReport };

/** One pass of a job with a config patch, as the route runs it. */
async function pass<J extends keyof Reports & MaintenanceJob>(
  job: J,
  run: Partial<MaintenanceRun> = {},
  patch: Parameters<typeof mergeConfig>[1] = {},
): Promise<Reports[J]> {
  const ctx = createExecutionContext();
  const config = mergeConfig(DEFAULT_CONFIG, patch);
  const report = await runMaintenance(job, workerEnv, ctx, config, { now: Date.now(), batch: 200, ...run });
  await waitOnExecutionContext(ctx);
  return report as Reports[J];
}

/** Passes until the run says it is done (at most 50), returning every report. */
async function untilDone<J extends keyof Reports & MaintenanceJob>(
  job: J,
  run: Partial<MaintenanceRun> = {},
  patch: Parameters<typeof mergeConfig>[1] = {},
): Promise<Array<Reports[J]>> {
  const reports: Array<Reports[J]> = [];
  for (let i = 0; i < 50; i++) {
    const report = await pass(job, i === 0 ? run : { ...run, restart: false }, patch);
    reports.push(report);
    if (!report.more) break;
  }
  return reports;
}

const ask = (prompt: string, config?: object) =>
  call("/v1/chat/completions", {
    body: chat(prompt),
    ...(config ? { env: { R1CACHE_CONFIG: JSON.stringify(config) } } : {}),
  });
const keyOf = (res: { headers: Headers }) => res.headers.get("x-r1cache-key") ?? "";
const answerOf = (res: { json: () => { choices: Array<{ message: { content: string } }> } }) =>
  res.json().choices[0]?.message.content;
const row = (key: string) =>
  env.DB.prepare(
    "select location, codec, stored_size, size, body is null as no_body from entries where key = ?",
  )
    .bind(key)
    .first<{ location: string; codec: string; stored_size: number; size: number; no_body: number }>();

describe("optimize", () => {
  it("recompresses every entry over bounded, resumable calls, reports bytes, and every entry serves the same answer", async () => {
    const prompts = Array.from({ length: 5 }, (_, i) => `Optimize me, entry number ${i}, with a long answer`);
    const stored = new Map<string, string>();
    for (const prompt of prompts) {
      const res = await ask(prompt, { compression: "none" });
      stored.set(keyOf(res), answerOf(res) ?? "");
    }
    for (const key of stored.keys()) expect((await row(key))?.codec).toBe("none");

    const first = await pass("optimize", { batch: 2, restart: true }, { compressionThresholdBytes: 64 });
    expect(first).toMatchObject({ scanned: 2, more: true, run: { resumed: false } });
    expect(first.cursor).toMatch(/^[0-9a-f]{64}$/);
    const rest = await untilDone("optimize", { batch: 2 }, { compressionThresholdBytes: 64 });
    expect(rest[0]?.run).toMatchObject({ resumed: true, startedAt: first.run.startedAt });
    const last = rest.at(-1);
    expect(last).toMatchObject({ more: false, cursor: null });
    expect(last?.run.totals.scanned).toBeGreaterThanOrEqual(5);
    expect(last?.run.totals.recompressed).toBeGreaterThanOrEqual(5);
    expect(last?.run.totals.bytesAfter).toBeLessThan(last?.run.totals.bytesBefore ?? 0);

    await clearTier("l1");
    await clearTier("l2");
    for (const key of stored.keys()) {
      const after = await row(key);
      expect(["gzip", "deflate"]).toContain(after?.codec);
      expect(after?.stored_size).toBeLessThan(after?.size ?? 0);
    }
    for (const prompt of prompts) {
      const res = await ask(prompt);
      expect(res.headers.get("x-r1cache-tier")).toBe("l3");
      expect(answerOf(res)).toBe(stored.get(keyOf(res)));
    }
    // Nothing left to gain: a second run rewrites nothing.
    const again = await untilDone("optimize", { restart: true }, { compressionThresholdBytes: 64 });
    expect(again.at(-1)?.run.totals.recompressed).toBe(0);
  });

  it("re-places entries in the tier the placement rules name: too big for a row, the body moves to R2", async () => {
    const res = await ask("Optimize me into R2");
    const key = keyOf(res);
    expect((await row(key))?.location).toBe("l3");
    const reports = await untilDone("optimize", { restart: true }, { tiers: { l3: { maxEntryBytes: 16 } } });
    expect(reports.at(-1)?.run.totals.moved).toBeGreaterThanOrEqual(1);
    expect(await row(key)).toMatchObject({ location: "l4", no_body: 1 });
    expect(await env.ARCHIVE.head(`entries/${key}`)).not.toBeNull();
    await clearTier("l1");
    await clearTier("l2");
    const again = await ask("Optimize me into R2");
    expect([again.headers.get("x-r1cache-tier"), answerOf(again)]).toEqual(["l4", answerOf(res)]);
  });
});

/** An R2 body, a KV copy, an alias, a scope row and a vector that no entry owns. */
async function seedOrphans(tag: string, old = Date.now() - 2 * HOUR) {
  const key = await sha256Hex(tag);
  const meta = {
    codec: "none",
    checksum: "0".repeat(64),
    size: 2,
    storedSize: 2,
    createdAt: old,
    expiresAt: null,
    namespace: DEV_NAMESPACE,
  };
  await env.ARCHIVE.put(`entries/${key}`, "{}", {
    customMetadata: {
      ...meta,
      size: "2",
      storedSize: "2",
      createdAt: String(old),
      expiresAt: "",
      storedAt: String(old),
    },
  });
  await env.CACHE_KV.put(`e:${key}`, "{}", { metadata: meta, expirationTtl: 3600 });
  await env.DB.prepare(
    "insert into aliases (key, canonical_key, namespace, prompt, similarity, reason, created_at) values (?, ?, ?, '', 0.9, '', ?)",
  )
    .bind(`${key.slice(0, 60)}aaaa`, key, DEV_NAMESPACE, old)
    .run();
  await env.DB.prepare(
    "insert into semantic_scopes (key, namespace, context, created_at) values (?, ?, '{}', ?)",
  )
    .bind(key, DEV_NAMESPACE, old)
    .run();
  await createVectorIndex(workerEnv).upsert([
    {
      id: key,
      vector: new Float32Array([1, 0, 0]),
      namespace: DEV_NAMESPACE,
      fingerprint: "f",
      text: tag,
      createdAt: old,
    },
  ]);
  return key;
}

async function orphanState(key: string) {
  const vectors = await createVectorIndex(workerEnv).get?.([key], DEV_NAMESPACE);
  return {
    r2: (await env.ARCHIVE.head(`entries/${key}`)) !== null,
    kv: (await env.CACHE_KV.get(`e:${key}`)) !== null,
    alias: (await env.DB.prepare("select 1 from aliases where canonical_key = ?").bind(key).first()) !== null,
    scope: (await env.DB.prepare("select 1 from semantic_scopes where key = ?").bind(key).first()) !== null,
    vector: (vectors ?? []).length > 0,
  };
}

const ALL = { r2: true, kv: true, alias: true, scope: true, vector: true };
const NONE = { r2: false, kv: false, alias: false, scope: false, vector: false };

describe("defragment", () => {
  it("removes orphans in small resumable steps, optimizes D1, and never touches a live entry, even one written mid-run", async () => {
    const live = await ask("How do I reset my password?");
    const liveKey = keyOf(live);
    const orphans = [await seedOrphans("orphan one"), await seedOrphans("orphan two")];
    for (const key of orphans) expect(await orphanState(key)).toEqual(ALL);

    // The run's clock an hour on: everything seeded is old enough to judge, so only the D1 row, looked
    // up again right before each delete, protects the live entries.
    const first = await pass("defragment", { batch: 2, restart: true, now: Date.now() + HOUR });
    expect(first).toMatchObject({ more: true, run: { resumed: false } });
    expect(first.cursor?.step).toBe("r2");
    // Written while the run is under way (after its start): it must survive the rest of the run.
    const during = await ask("What is an order block in trading?");
    const duringKey = keyOf(during);
    const rest = await untilDone("defragment", { batch: 2 });
    expect(rest.length).toBeGreaterThan(1);
    const last = rest.at(-1);
    expect(last).toMatchObject({ more: false, cursor: null, d1Optimized: true });
    expect(last?.run.totals).toMatchObject({ aliases: 2, scopes: 2 });
    expect(last?.run.totals.r2).toBeGreaterThanOrEqual(2);
    expect(last?.run.totals.kv).toBeGreaterThanOrEqual(2);
    expect(last?.run.totals.vectors).toBeGreaterThanOrEqual(2);
    for (const key of orphans) expect(await orphanState(key)).toEqual(NONE);

    for (const [prompt, key, res] of [
      ["How do I reset my password?", liveKey, live],
      ["What is an order block in trading?", duringKey, during],
    ] as const) {
      const state = await orphanState(key);
      expect({ kv: state.kv, scope: state.scope, vector: state.vector }).toEqual({
        kv: true,
        scope: true,
        vector: true,
      });
      expect(await row(key)).not.toBeNull();
      const again = await ask(prompt);
      expect([again.headers.get("x-r1cache"), answerOf(again)]).toEqual(["HIT", answerOf(res)]);
    }
    // The paraphrase still finds the live entry's vector.
    const paraphrase = await ask("How can I reset my password?");
    expect([paraphrase.headers.get("x-r1cache-match"), keyOf(paraphrase)]).toEqual(["semantic", liveKey]);
  });

  it("leaves alone what was written after the run began (less the grace): a body whose row may still be on its way", async () => {
    const fresh = await seedOrphans("an orphan from a moment ago", Date.now());
    const report = (await untilDone("defragment", { restart: true })).at(-1);
    expect(report?.more).toBe(false);
    expect(await orphanState(fresh)).toEqual(ALL);
    // An hour on, it is old enough to judge.
    await untilDone("defragment", { restart: true, now: Date.now() + HOUR });
    expect(await orphanState(fresh)).toEqual(NONE);
  });

  it("with writeTiers lacking l3, D1 cannot tell an orphan: the tier steps are skipped and say why", async () => {
    const key = await seedOrphans("kept while D1 is not the index");
    const [report] = await untilDone("defragment", { restart: true }, { writeTiers: ["l1", "l2"] });
    expect(report?.skipped.map((s) => s.step)).toEqual(["r2", "kv", "aliases", "vectors"]);
    expect(await orphanState(key)).toMatchObject({
      r2: true,
      kv: true,
      alias: true,
      vector: true,
      scope: false,
    });
  });
});

describe("rebuild", () => {
  it("re-embeds the vector index and refills KV from D1 and R2, resumably; rows without a scope are reported", async () => {
    const original = await ask("How do I cancel my subscription?");
    const key = keyOf(original);
    const other = keyOf(await ask("Explain the difference between a stock and a bond"));
    const index = createVectorIndex(workerEnv);
    const [before] = (await index.get?.([key], DEV_NAMESPACE)) ?? [];
    expect(before?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    await index.clear?.(DEV_NAMESPACE);
    await clearTier("l2");
    // An entry indexed before migration 0003 has no scope row.
    await env.DB.prepare("delete from semantic_scopes where key = ?").bind(other).run();

    const first = await pass("rebuild", { batch: 1, restart: true });
    expect(first).toMatchObject({ more: true, cursor: { step: "vectors" } });
    const reports = [first, ...(await untilDone("rebuild", { batch: 1 }))];
    const totals = reports.at(-1)?.run.totals;
    expect(reports.at(-1)).toMatchObject({ more: false, cursor: null });
    expect(totals?.vectors).toBeGreaterThanOrEqual(1);
    expect(totals?.noScope).toBeGreaterThanOrEqual(1);
    expect(totals?.kv).toBeGreaterThanOrEqual(2);

    const [after] = (await index.get?.([key], DEV_NAMESPACE)) ?? [];
    expect(after?.fingerprint).toBe(before?.fingerprint);
    expect(after?.text).toBe("How do I cancel my subscription?");
    expect(await index.get?.([other], DEV_NAMESPACE)).toEqual([]);
    expect(await env.CACHE_KV.get(`e:${key}`)).not.toBeNull();
    await clearTier("l1");
    const fromKv = await ask("How do I cancel my subscription?");
    expect([fromKv.headers.get("x-r1cache-tier"), answerOf(fromKv)]).toEqual(["l2", answerOf(original)]);
    const paraphrase = await ask("How can I cancel my subscription?");
    expect([paraphrase.headers.get("x-r1cache-match"), keyOf(paraphrase)]).toEqual(["semantic", key]);
  });
});

describe("POST /admin/maintenance/{optimize,defragment,rebuild}", () => {
  it.each(["optimize", "defragment", "rebuild"])(
    "%s: 401 without a token, 403 with a client key, a report with the admin token",
    async (job) => {
      const none = await call(`/admin/maintenance/${job}`, {
        method: "POST",
        headers: { authorization: "" },
      });
      expect(none.status).toBe(401);
      const client = await call(`/admin/maintenance/${job}`, { method: "POST", headers: CLIENT });
      expect(client.status).toBe(403);
      const res = await call(`/admin/maintenance/${job}?batch=1000&restart=true`, {
        method: "POST",
        headers: ADMIN,
      });
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ job, more: false, cursor: null, run: { resumed: false } });
      const bad = await call(`/admin/maintenance/${job}?restart=maybe`, { method: "POST", headers: ADMIN });
      expect([bad.status, bad.json().error.param]).toEqual([400, "restart"]);
    },
  );
});
