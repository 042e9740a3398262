import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { bytesToBase64 } from "../../src/backup/base64";
import { compress } from "../../src/cache/codec";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { FAKE_UPSTREAM_URL, type FakeUpstream, fake, installFakeUpstream } from "../helpers/fake-upstream";
import { ADMIN, call, chat } from "../helpers/worker";

const NS = "bk";
const KEYS = { R1CACHE_KEYS: JSON.stringify({ "key-bk": NS }) };
const UPSTREAM = { R1_UPSTREAM: "openai", OPENAI_BASE_URL: FAKE_UPSTREAM_URL, OPENAI_API_KEY: "sk-test" };

const ask = (prompt: string, extra: Partial<Env> = {}) =>
  call("/v1/chat/completions", {
    body: chat(prompt),
    env: { ...KEYS, ...extra },
    headers: { authorization: "Bearer key-bk" },
  });
const admin = (path: string, method = "GET", body?: unknown) =>
  call(path, { method, body, headers: ADMIN, env: KEYS });
const state = (res: { headers: Headers }) => [
  res.headers.get("x-r1cache"),
  res.headers.get("x-r1cache-match"),
];
const message = (res: { json: () => { choices: Array<{ message: unknown }> } }) =>
  res.json().choices[0]?.message;

/** Everything a restore may change, to compare before and after. */
async function liveState() {
  const entries = await env.DB.prepare(
    "select key, location, codec, checksum, size, stored_size, stored_at, hit_count, last_hit_at from entries order by key",
  ).all();
  const aliases = await env.DB.prepare("select * from aliases order by key").all();
  const kv = await env.CACHE_KV.list({ prefix: "e:" });
  const config = await env.CACHE_KV.get("config:overrides");
  return {
    entries: entries.results,
    aliases: aliases.results,
    kv: kv.keys.map((k) => k.name).sort(),
    config,
  };
}

async function clearEverything() {
  expect((await admin("/admin/cache?level=all", "DELETE")).status).toBe(200);
  await env.VECTOR_SHARDS.get(env.VECTOR_SHARDS.idFromName(NS)).clear();
  await admin("/admin/config", "DELETE");
}

async function backupNow(): Promise<string> {
  const res = await admin("/admin/backup", "POST", {});
  expect(res.status).toBe(200);
  return res.json().key;
}

async function manifestOf(key: string) {
  const object = await env.ARCHIVE.get(`${key}/manifest.json`);
  if (!object) throw new Error(`no manifest for ${key}`);
  return object.json<{ parts: Array<{ key: string }>; version: number }>();
}

let upstream: FakeUpstream | undefined;
afterEach(() => upstream?.restore());

describe("backup and restore", () => {
  it("round trip: every entry serves the same bytes after clearing every level, aliases and paraphrases hit", async () => {
    const prompts = ["What is a fair value gap?", "Explain the RSI indicator", "How do I reset my password?"];
    const before = new Map<string, unknown>();
    for (const prompt of prompts) {
      const res = await ask(prompt);
      expect(state(res)).toEqual(["MISS", null]);
      before.set(prompt, message(res));
    }
    await ask("Explain what a liquidity sweep is");
    // A big body (random text, ~680 KB gzip) that lives in R2, indexed by its D1 row.
    const bytes = new Uint8Array(675_000);
    for (let at = 0; at < bytes.length; at += 65_536) crypto.getRandomValues(bytes.subarray(at, at + 65_536));
    upstream = installFakeUpstream({ fallback: fake.ok({ content: bytesToBase64(bytes) }) });
    const big = await ask("Send me the long report", UPSTREAM);
    expect(state(big)).toEqual(["MISS", null]);
    const bigKey = big.headers.get("x-r1cache-key") ?? "";
    const row = await env.DB.prepare("select location from entries where key = ?").bind(bigKey).first();
    expect(row?.location).toBe("l4");
    // A paraphrase that hits is stored as an alias.
    const alias = await ask("How can I reset my password?");
    expect(state(alias)).toEqual(["HIT", "semantic"]);
    expect((await admin("/admin/config", "PATCH", { maxAgeDays: 400 })).status).toBe(200);

    const res = await admin("/admin/backup", "POST", {});
    expect(res.status).toBe(200);
    const made = res.json();
    expect(made).toMatchObject({ entries: 5, aliases: 1, vectors: 5, version: 2 });
    expect(made.bytes).toBeGreaterThan(600_000);
    const listed = (await admin("/admin/backups")).json().backups;
    expect(listed).toContainEqual(expect.objectContaining({ key: made.key, entries: 5, aliases: 1 }));

    await clearEverything();
    expect((await liveState()).entries).toEqual([]);
    expect(
      state(await ask("Explain what a liquidity sweep is, please", { R1CACHE_CONFIG: "{}" })),
    ).not.toEqual(["HIT", "semantic"]);
    await admin("/admin/cache?level=all", "DELETE");

    const restored = await admin("/admin/restore", "POST", { key: made.key });
    expect(restored.status).toBe(200);
    expect(restored.json()).toMatchObject({
      entries: 5,
      aliases: 1,
      vectors: 5,
      config: "restored",
      version: 2,
    });

    for (const prompt of prompts) {
      const hit = await ask(prompt);
      expect(state(hit)).toEqual(["HIT", "exact"]);
      expect(message(hit)).toEqual(before.get(prompt));
    }
    const calls = upstream.calls.count;
    const bigAgain = await ask("Send me the long report", UPSTREAM);
    expect(state(bigAgain)).toEqual(["HIT", "exact"]);
    // Compared as strings: a failure must not print 900 KB twice.
    expect(JSON.stringify(message(bigAgain)) === JSON.stringify(message(big))).toBe(true);
    expect(upstream.calls.count).toBe(calls);
    const viaAlias = await ask("How can I reset my password?");
    expect(state(viaAlias)).toEqual(["HIT", "semantic"]);
    expect(viaAlias.headers.get("x-r1cache-reason")).toContain("alias");
    // Never asked before the backup: found through the restored vector.
    expect(state(await ask("Explain what a liquidity sweep is, please"))).toEqual(["HIT", "semantic"]);
    expect((await admin("/admin/config")).json().maxAgeDays).toBe(400);
  });

  it("restoring twice gives the same state", async () => {
    await ask("What is a breaker block?");
    const key = await backupNow();
    await clearEverything();
    expect((await admin("/admin/restore", "POST", { key })).status).toBe(200);
    const once = await liveState();
    expect(once.entries.length).toBeGreaterThan(0);
    expect((await admin("/admin/restore", "POST", { key })).status).toBe(200);
    expect(await liveState()).toEqual(once);
  });

  it("a corrupt, truncated, tampered or unknown-version backup is refused with a 4xx and changes nothing", async () => {
    const kept = await ask("What is an order block?");
    const key = await backupNow();
    const manifestText = (await (await env.ARCHIVE.get(`${key}/manifest.json`))?.text()) ?? "";
    const partKey = (await manifestOf(key)).parts[0]?.key ?? "";
    const part = new Uint8Array(
      (await (await env.ARCHIVE.get(partKey))?.arrayBuffer()) ?? new ArrayBuffer(0),
    );
    // The live cache now differs from the backup: one entry fewer.
    await admin(`/admin/entries/${kept.headers.get("x-r1cache-key")}`, "DELETE");
    const untouched = await liveState();
    const refused = async (pattern: RegExp) => {
      const res = await admin("/admin/restore", "POST", { key });
      expect(res.status).toBe(422);
      expect(res.json().error.message).toMatch(pattern);
      expect(await liveState()).toEqual(untouched);
    };

    const flipped = part.slice();
    flipped[Math.floor(flipped.length / 2)] = (flipped[Math.floor(flipped.length / 2)] ?? 0) ^ 0xff;
    await env.ARCHIVE.put(partKey, flipped);
    await refused(/part 1 .* is corrupt: it does not match its SHA-256 checksum/);

    await env.ARCHIVE.put(partKey, part.slice(0, Math.floor(part.length / 2)));
    await refused(/part 1 .* is truncated/);

    await env.ARCHIVE.put(partKey, part);
    await env.ARCHIVE.put(`${key}/manifest.json`, manifestText.replace(/"entries": \d+/, '"entries": 9999'));
    await refused(/manifest does not match its SHA-256 checksum/);

    await env.ARCHIVE.put(`${key}/manifest.json`, manifestText.replace('"version": 2', '"version": 7'));
    await refused(/unknown format version 7/);

    await env.ARCHIVE.put(`${key}/manifest.json`, manifestText.slice(0, 100));
    await refused(/manifest is not valid JSON/);

    await env.ARCHIVE.put(`${key}/manifest.json`, manifestText);
    await env.ARCHIVE.delete(partKey);
    await refused(/part 1 .* is missing/);

    expect((await admin("/admin/restore", "POST", { key: "backups/none-such" })).status).toBe(404);
    const bad = await admin("/admin/restore", "POST", { key: "../entries/x" });
    expect(bad.status).toBe(400);
    expect(bad.json().error.param).toBe("key");
  });

  it("a version 0 backup restores through migration, and migrate writes a current-version copy", async () => {
    const original = await ask("What is a mitigation block?");
    const key = original.headers.get("x-r1cache-key") ?? "";
    const row = await env.DB.prepare("select * from entries where key = ?")
      .bind(key)
      .first<Record<string, unknown>>();
    if (!row) throw new Error("no row");
    const aliasKey = "a".repeat(64);
    const lines = [
      {
        kind: "entry",
        key,
        namespace: NS,
        model: row.model,
        prompt: row.prompt,
        codec: row.codec,
        checksum: row.checksum,
        size: row.size,
        storedSize: row.stored_size,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        hits: 3,
        bodyBase64: bytesToBase64(new Uint8Array(row.body as ArrayBuffer)),
      },
      {
        kind: "alias",
        key: aliasKey,
        canonical: key,
        namespace: NS,
        prompt: "p",
        similarity: 0.9,
        createdAt: 1,
      },
    ];
    const legacy = "backups/legacy-v0";
    const plain = new TextEncoder().encode(lines.map((l) => JSON.stringify(l)).join("\n"));
    await env.ARCHIVE.put(`${legacy}/data-0.ndjson.gz`, await compress(plain, "gzip"));
    await env.ARCHIVE.put(
      `${legacy}/manifest.json`,
      JSON.stringify({
        version: 0,
        created: new Date().toISOString(),
        entries: 1,
        aliases: 1,
        parts: [`${legacy}/data-0.ndjson.gz`],
        config: { maxAgeDays: 90 },
      }),
    );
    await clearEverything();

    const restored = await admin("/admin/restore", "POST", { key: legacy });
    expect(restored.status).toBe(200);
    expect(restored.json()).toMatchObject({ version: 0, entries: 1, aliases: 1, config: "restored" });
    expect(
      await env.DB.prepare("select hit_count from entries where key = ?").bind(key).first("hit_count"),
    ).toBe(3);
    const hit = await ask("What is a mitigation block?");
    expect(state(hit)).toEqual(["HIT", "exact"]);
    expect(message(hit)).toEqual(message(original));

    const migrated = await admin("/admin/backup/migrate", "POST", { key: legacy });
    expect(migrated.status).toBe(200);
    expect(migrated.json()).toMatchObject({ from: 0, to: 2, migrated: true, entries: 1, aliases: 1 });
    const copy = migrated.json().key;
    expect((await manifestOf(copy)).version).toBe(2);
    await clearEverything();
    expect((await admin("/admin/restore", "POST", { key: copy })).json()).toMatchObject({
      version: 2,
      entries: 1,
    });
    expect(state(await ask("What is a mitigation block?"))).toEqual(["HIT", "exact"]);
    // Migrating a current backup writes nothing.
    expect((await admin("/admin/backup/migrate", "POST", { key: copy })).json()).toMatchObject({
      key: copy,
      migrated: false,
    });
  });

  it("the cron backs up hourly and keeps the newest backupRetention", async () => {
    await ask("What is a liquidity void?");
    const config = { ...KEYS, R1CACHE_CONFIG: JSON.stringify({ backupRetention: 3 }) };
    const t0 = Date.now() + 3600_000;
    const run = async (at: number) => {
      const ctx = createExecutionContext();
      const controller = createScheduledController({ cron: "*/15 * * * *", scheduledTime: at });
      await worker.scheduled(controller, { ...(env as unknown as Env), ...config }, ctx);
      await waitOnExecutionContext(ctx);
    };
    for (let hour = 0; hour < 5; hour++) {
      await run(t0 + hour * 3600_000);
      // A quarter later: not due, nothing new.
      await run(t0 + hour * 3600_000 + 15 * 60_000);
    }
    const backups = (await admin("/admin/backups")).json().backups;
    expect(backups.map((b: { createdAt: number }) => b.createdAt)).toEqual([
      t0 + 4 * 3600_000,
      t0 + 3 * 3600_000,
      t0 + 2 * 3600_000,
    ]);
    const objects = await env.ARCHIVE.list({ prefix: "backups/" });
    const prefixes = new Set(objects.objects.map((o) => o.key.split("/").slice(0, 2).join("/")));
    expect(prefixes.size).toBe(3);
  });
});
