import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { bytesToBase64 } from "../../src/backup/base64";
import { canonicalJson } from "../../src/backup/format";
import { compress, decompress, sha256Hex } from "../../src/cache/codec";
import { chunkShard } from "../../src/documents/store";
import { EN_DOCUMENT } from "../fixtures/context-docs";
import { ADMIN, call, chat } from "../helpers/worker";

// Backups of what format version 2 added: semantic scopes and context-expansion documents.
const NS = "bkc";
const KEYS = { R1CACHE_KEYS: JSON.stringify({ "key-bkc": NS }) };
const TENANT = { authorization: "Bearer key-bkc" };

const ask = (prompt: string) =>
  call("/v1/chat/completions", { body: chat(prompt), env: KEYS, headers: TENANT });
const as = (path: string, options: Parameters<typeof call>[1] = {}) =>
  call(path, { ...options, headers: { ...TENANT, ...options.headers }, env: KEYS });
const admin = (path: string, method = "GET", body?: unknown) =>
  call(path, { method, body, headers: ADMIN, env: KEYS });
const search = async (prompt: string) => {
  const res = await as("/v1/r1/context/search", { body: { prompt } });
  expect(res.status).toBe(200);
  return res.json().sources as Array<{ context_id: string; chunk_id: string; text: string }>;
};
const ids = (sources: Array<{ context_id: string; chunk_id: string; text: string }>) =>
  sources.map((s) => [s.context_id, s.chunk_id, s.text]);

const rows = async (sql: string) => (await env.DB.prepare(sql).all()).results;

/** The document and scope state a restore may change, to compare before and after. */
async function documentState() {
  const objects = await env.ARCHIVE.list({ prefix: `chunks/${NS}/` });
  return {
    contexts: await rows("select * from contexts order by namespace, id"),
    lists: await rows("select * from context_chunks order by namespace, context_id, generation, position"),
    chunks: await rows("select * from chunks order by namespace, id"),
    scopes: await rows("select * from semantic_scopes order by key"),
    r2: objects.objects.map((o) => o.key).sort(),
    entries: await rows("select key, checksum, hit_count from entries order by key"),
  };
}

async function clearEverything() {
  // Removing the document drops its chunks everywhere (rows, R2 bodies, chunk vectors).
  for (const { context_id } of (await as("/v1/r1/context")).json().contexts as Array<{ context_id: string }>)
    expect((await as(`/v1/r1/context/${context_id}`, { method: "DELETE" })).status).toBe(200);
  expect((await admin("/admin/cache?level=all", "DELETE")).status).toBe(200);
  await env.DB.prepare("delete from semantic_scopes").run();
  await env.VECTOR_SHARDS.get(env.VECTOR_SHARDS.idFromName(NS)).clear();
  await env.VECTOR_SHARDS.get(env.VECTOR_SHARDS.idFromName(chunkShard(NS))).clear();
  await admin("/admin/config", "DELETE");
}

async function backupNow() {
  const res = await admin("/admin/backup", "POST", {});
  expect(res.status).toBe(200);
  return res.json();
}

async function rebuild() {
  let report = (await admin("/admin/maintenance/rebuild?restart=true", "POST")).json();
  for (let i = 0; i < 20 && report.more; i++)
    report = (await admin("/admin/maintenance/rebuild", "POST")).json();
  expect(report.more).toBe(false);
  return report.run.totals as { vectors: number; noScope: number };
}

/** Puts NDJSON records as one part and a manifest of `version` whose checksums all hold. */
async function writeBackup(key: string, version: number, records: unknown[], counts: object) {
  const plain = new TextEncoder().encode(records.map((r) => `${JSON.stringify(r)}\n`).join(""));
  const stored = await compress(plain, "gzip");
  const partKey = `${key}/part-00001.ndjson.gz`;
  await env.ARCHIVE.put(partKey, stored);
  const body = {
    format: "r1cache-backup",
    version,
    key,
    createdAt: Date.now(),
    completedAt: Date.now(),
    source: "admin",
    vectors: "stored",
    compression: "gzip",
    counts,
    bytes: stored.byteLength,
    plainBytes: plain.byteLength,
    parts: [
      { key: partKey, records: records.length, bytes: stored.byteLength, sha256: await sha256Hex(stored) },
    ],
  };
  const manifest = { ...body, checksum: await sha256Hex(canonicalJson(body)) };
  await env.ARCHIVE.put(`${key}/manifest.json`, JSON.stringify(manifest));
}

/** The records of a backup's parts. */
async function recordsOf(key: string): Promise<Array<Record<string, unknown>>> {
  const manifest = await (await env.ARCHIVE.get(`${key}/manifest.json`))?.json<{
    parts: Array<{ key: string }>;
  }>();
  const records: Array<Record<string, unknown>> = [];
  for (const part of manifest?.parts ?? []) {
    const stored = new Uint8Array(
      (await (await env.ARCHIVE.get(part.key))?.arrayBuffer()) ?? new ArrayBuffer(0),
    );
    const text = new TextDecoder().decode(await decompress(stored, "gzip"));
    for (const line of text.split("\n").filter(Boolean)) records.push(JSON.parse(line));
  }
  return records;
}

const QUESTION = "Where is the main factory?";

describe("backup of semantic scopes and context documents", () => {
  it("round trip: use_context finds the same sources after restore, and rebuild re-embeds restored entries", async () => {
    for (const prompt of ["What is a fair value gap?", "Explain the RSI indicator"])
      expect((await ask(prompt)).status).toBe(200);
    const added = await as("/v1/r1/context", {
      body: { text: EN_DOCUMENT, context_id: "annual", chunk_tokens: 96 },
    });
    expect(added.status).toBe(200);
    const unique = added.json().unique_chunks as number;
    const before = await search(QUESTION);
    expect(before[0]?.text).toContain("Tampere, Finland");
    const scopes = (await rows("select key from semantic_scopes")).length;
    expect(scopes).toBeGreaterThanOrEqual(2);

    const made = await backupNow();
    expect(made).toMatchObject({ version: 2, scopes, contexts: 1, chunks: unique, chunkVectors: unique });
    const saved = await documentState();

    await clearEverything();
    expect(await search(QUESTION)).toEqual([]);
    expect(await rows("select * from semantic_scopes")).toEqual([]);

    const restored = await admin("/admin/restore", "POST", { key: made.key });
    expect(restored.status).toBe(200);
    expect(restored.json()).toMatchObject({
      version: 2,
      entries: 2,
      scopes,
      contexts: 1,
      chunks: unique,
      chunkVectors: unique,
      chunksEmbedded: 0,
      chunksWithoutVector: 0,
    });
    expect(await documentState()).toEqual({ ...saved, entries: expect.any(Array) });
    expect(ids(await search(QUESTION))).toEqual(ids(before));
    // A use_context question never asked before: retrieval runs on the restored chunks.
    const answered = await as("/v1/r1/chat", { body: { prompt: QUESTION, use_context: true } });
    expect(answered.status).toBe(200);
    expect(answered.headers.get("x-r1cache")).toBe("MISS");
    expect(ids(answered.json().sources)).toEqual(ids(before));
    expect((await as("/v1/r1/context")).json().contexts).toEqual([
      expect.objectContaining({ context_id: "annual", chunks: added.json().chunks }),
    ]);

    const totals = await rebuild();
    expect(totals.noScope).toBe(0);
    expect(totals.vectors).toBeGreaterThanOrEqual(2);
  });

  it("chunks backed up without their vector are embedded again on restore", async () => {
    await as("/v1/r1/context", { body: { text: EN_DOCUMENT, context_id: "annual", chunk_tokens: 96 } });
    const before = await search(QUESTION);
    const made = await backupNow();
    const records = (await recordsOf(made.key)).map((r) => (r.type === "chunk" ? { ...r, vector: null } : r));
    const chunks = records.filter((r) => r.type === "chunk").length;
    const counts = (await (await env.ARCHIVE.get(`${made.key}/manifest.json`))?.json<{ counts: object }>())
      ?.counts;
    await writeBackup("backups/no-chunk-vectors", 2, records, { ...counts, chunkVectors: 0 });
    await clearEverything();
    const restored = await admin("/admin/restore", "POST", { key: "backups/no-chunk-vectors" });
    expect(restored.status).toBe(200);
    expect(restored.json()).toMatchObject({ chunks, chunkVectors: 0, chunksEmbedded: chunks });
    expect(ids(await search(QUESTION))).toEqual(ids(before));
  });

  it("restoring twice gives the same state", async () => {
    await ask("What is a breaker block?");
    await as("/v1/r1/context", { body: { text: EN_DOCUMENT, context_id: "annual", chunk_tokens: 128 } });
    const { key } = await backupNow();
    await clearEverything();
    expect((await admin("/admin/restore", "POST", { key })).status).toBe(200);
    const once = await documentState();
    expect(once.chunks.length).toBeGreaterThan(0);
    expect((await admin("/admin/restore", "POST", { key })).status).toBe(200);
    expect(await documentState()).toEqual(once);
  });

  it("a tampered chunk or scope record is refused with a 4xx and changes nothing", async () => {
    await ask("What is an order block?");
    await as("/v1/r1/context", { body: { text: EN_DOCUMENT, context_id: "annual", chunk_tokens: 128 } });
    const made = await backupNow();
    const records = await recordsOf(made.key);
    const counts = (await (await env.ARCHIVE.get(`${made.key}/manifest.json`))?.json<{ counts: object }>())
      ?.counts as Record<string, number>;
    // The live state now differs from the backup: the document is gone.
    await clearEverything();
    const untouched = await documentState();
    const refused = async (key: string, pattern: RegExp) => {
      const res = await admin("/admin/restore", "POST", { key });
      expect(res.status).toBe(422);
      expect(res.json().error.message).toMatch(pattern);
      expect(await documentState()).toEqual(untouched);
      expect(await search(QUESTION)).toEqual([]);
    };

    // Another text under a chunk's id (every part and manifest checksum recomputed to match).
    let swapped = false;
    const forged = records.map((r) => {
      if (r.type !== "chunk" || swapped) return r;
      swapped = true;
      return {
        ...r,
        codec: "none",
        body: bytesToBase64(new TextEncoder().encode("The factory is in Oslo.")),
      };
    });
    await writeBackup("backups/forged-chunk", 2, forged, counts);
    await refused("backups/forged-chunk", /chunk [0-9a-f]{64} does not match its id/);

    const noContext = records.map((r) => (r.type === "scope" ? { ...r, context: undefined } : r));
    await writeBackup("backups/bad-scope", 2, noContext, counts);
    await refused("backups/bad-scope", /record is malformed: context/);

    const dropped = records.filter((r) => r.type !== "context");
    await writeBackup("backups/no-context", 2, dropped, counts);
    await refused(
      "backups/no-context",
      /backup is incomplete: its parts hold 0 contexts, the manifest says 1/,
    );

    // The untampered backup restores.
    expect((await admin("/admin/restore", "POST", { key: made.key })).status).toBe(200);
    expect((await search(QUESTION))[0]?.text).toContain("Tampere, Finland");
  });

  it("a version 1 backup (no scopes, no documents) still restores and migrates to version 2", async () => {
    const original = await ask("What is a mitigation block?");
    const key = original.headers.get("x-r1cache-key") ?? "";
    const made = await backupNow();
    const v1Records = (await recordsOf(made.key)).filter((r) =>
      ["entry", "alias", "config", "calibration"].includes(r.type as string),
    );
    const v1Counts = made as Record<string, number>;
    const counts = {
      entries: v1Counts.entries,
      aliases: v1Counts.aliases,
      vectors: v1Counts.vectors,
      calibrations: v1Counts.calibrations,
      skipped: v1Counts.skipped,
    };
    await writeBackup("backups/legacy-v1", 1, v1Records, counts);
    await clearEverything();

    const restored = await admin("/admin/restore", "POST", { key: "backups/legacy-v1" });
    expect(restored.status).toBe(200);
    expect(restored.json()).toMatchObject({
      version: 1,
      entries: counts.entries,
      scopes: 0,
      contexts: 0,
      chunks: 0,
    });
    const hit = await ask("What is a mitigation block?");
    expect(hit.headers.get("x-r1cache")).toBe("HIT");
    expect(hit.headers.get("x-r1cache-key")).toBe(key);
    expect(await rows("select * from semantic_scopes")).toEqual([]);

    // A version 1 part may not hold a kind version 2 added.
    const scope = { type: "scope", key, namespace: NS, context: "{}", createdAt: 1 };
    await writeBackup("backups/v1-with-scope", 1, [...v1Records, scope], counts);
    const refused = await admin("/admin/restore", "POST", { key: "backups/v1-with-scope" });
    expect(refused.status).toBe(422);
    expect(refused.json().error.message).toMatch(/record is malformed: type/);

    const migrated = await admin("/admin/backup/migrate", "POST", { key: "backups/legacy-v1" });
    expect(migrated.json()).toMatchObject({ from: 1, to: 2, migrated: true, entries: counts.entries });
    await clearEverything();
    expect((await admin("/admin/restore", "POST", { key: migrated.json().key })).json()).toMatchObject({
      version: 2,
      entries: counts.entries,
      scopes: 0,
    });
  });
});
