import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../src/config";
import { createDocuments } from "../../src/documents";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { runMaintenance } from "../../src/maintenance";
import type { DefragmentReport } from "../../src/maintenance/defragment";
import type { EmbedderService } from "../../src/semantic/embedders/service";
import { EN_DOCUMENT, EN_QUESTIONS, PT_DOCUMENT, PT_QUESTIONS } from "../fixtures/context-docs";
import { ADMIN, call } from "../helpers/worker";

// One tenant per test: storage is shared by the tests of this file.
const TENANTS = Array.from({ length: 20 }, (_, i) => [`ctx-key-${i}`, `ctx-tenant-${i}`] as const);
const KEYS = { R1CACHE_KEYS: JSON.stringify(Object.fromEntries(TENANTS)) };
let next = 0;
function tenant() {
  const [key, namespace] = TENANTS[next++] as readonly [string, string];
  const headers = { authorization: `Bearer ${key}` };
  const as = (path: string, options: Parameters<typeof call>[1] = {}) =>
    call(path, { ...options, headers: { ...headers, ...options.headers }, env: { ...KEYS, ...options.env } });
  return { key, namespace, headers, as };
}

/** Sends a raw body (bytes or a stream), which `call` cannot. */
async function raw(path: string, headers: Record<string, string>, body: BodyInit) {
  const ctx = createExecutionContext();
  const request = new Request(`https://cache.test${path}`, { method: "POST", headers, body });
  const response = await worker.fetch(request, { ...(env as unknown as Env), ...KEYS }, ctx);
  const text = await response.text();
  await waitOnExecutionContext(ctx);
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

async function r2ChunkCount(namespace: string): Promise<number> {
  const listed = await (env as unknown as Env).ARCHIVE.list({ prefix: `chunks/${namespace}/` });
  return listed.objects.length;
}

const section = (title: string, n: number) =>
  `## ${title}\n\n${Array.from({ length: n }, (_, i) => `${title} fact ${i} is that the value of ${title.toLowerCase()} item ${i} equals ${i * 7 + title.length}.`).join(" ")}`;

describe("POST /v1/r1/context", () => {
  it("chunks and stores a document; GET lists it with its sizes; /admin/stats counts its chunks", async () => {
    const t = tenant();
    const added = await t.as("/v1/r1/context", {
      body: { text: EN_DOCUMENT, context_id: "annual-2025", chunk_tokens: 128 },
    });
    expect(added.status).toBe(200);
    const result = added.json();
    expect(result).toMatchObject({ context_id: "annual-2025", replaced: false, reused_chunks: 0 });
    expect(result.chunks).toBeGreaterThan(8);
    expect(result.unique_chunks).toBe(result.new_chunks);
    const listed = (await t.as("/v1/r1/context")).json();
    expect(listed.contexts).toEqual([
      expect.objectContaining({
        context_id: "annual-2025",
        bytes: new TextEncoder().encode(EN_DOCUMENT).byteLength,
        chars: EN_DOCUMENT.length,
        chunks: result.chunks,
      }),
    ]);
    const stats = (await call(`/admin/stats?namespace=${t.namespace}`, { headers: ADMIN, env: KEYS })).json();
    expect(stats.unique_chunks).toBe(result.unique_chunks);
    const global = (await call("/admin/stats", { headers: ADMIN, env: KEYS })).json();
    expect(global.unique_chunks).toBeGreaterThanOrEqual(result.unique_chunks);
    expect(await r2ChunkCount(t.namespace)).toBe(result.unique_chunks);
  });

  it("stores a chunk shared by two documents once, and re-adding a document embeds nothing", async () => {
    const t = tenant();
    const a = [section("Alpha", 12), section("Shared", 12)].join("\n\n");
    const b = [section("Shared", 12), section("Gamma", 12)].join("\n\n");
    const first = (
      await t.as("/v1/r1/context", { body: { text: a, context_id: "a", chunk_tokens: 64 } })
    ).json();
    const second = (
      await t.as("/v1/r1/context", { body: { text: b, context_id: "b", chunk_tokens: 64 } })
    ).json();
    expect(second.reused_chunks).toBeGreaterThan(0);
    expect(second.unique_chunks).toBe(first.chunks + second.chunks - second.reused_chunks);
    const listed = (await t.as("/v1/r1/context")).json();
    expect(listed.stored_bytes).toBeGreaterThan(0);
    expect(listed.stored_bytes).toBeLessThanOrEqual(listed.chunk_bytes);

    let embedded = 0;
    const real = (env as unknown as Env).EMBEDDER as EmbedderService;
    const counting: EmbedderService = {
      embed: (texts) => {
        embedded += texts.length;
        return real.embed(texts);
      },
    };
    const again = await t.as("/v1/r1/context", {
      body: { text: b, context_id: "b-copy", chunk_tokens: 64 },
      env: { EMBEDDER: counting },
    });
    expect(again.json()).toMatchObject({ new_chunks: 0, unique_chunks: second.unique_chunks });
    expect(embedded).toBe(0);
  });

  it("DELETE removes a document and the chunks only it used, and keeps the shared ones", async () => {
    const t = tenant();
    const a = [section("Solo", 12), section("Common", 12)].join("\n\n");
    const b = [section("Common", 12), section("Other", 12)].join("\n\n");
    const first = (
      await t.as("/v1/r1/context", { body: { text: a, context_id: "a", chunk_tokens: 64 } })
    ).json();
    const second = (
      await t.as("/v1/r1/context", { body: { text: b, context_id: "b", chunk_tokens: 64 } })
    ).json();
    const deleted = await t.as("/v1/r1/context/a", { method: "DELETE" });
    expect(deleted.status).toBe(200);
    expect(deleted.json()).toMatchObject({
      deleted: true,
      removed_chunks: first.chunks - second.reused_chunks,
      unique_chunks: second.chunks,
    });
    expect(await r2ChunkCount(t.namespace)).toBe(second.chunks);
    const listed = (await t.as("/v1/r1/context")).json();
    expect(listed.contexts.map((c: { context_id: string }) => c.context_id)).toEqual(["b"]);
    // The shared section is still found, now as document b's.
    const asked = (
      await t.as("/v1/r1/chat", {
        body: { prompt: "What is the value of common item 3?", use_context: true },
      })
    ).json();
    expect(
      asked.sources.some(
        (s: { context_id: string; text: string }) => s.context_id === "b" && s.text.includes("Common fact 3"),
      ),
    ).toBe(true);
    expect(asked.sources.some((s: { text: string }) => s.text.includes("Solo fact"))).toBe(false);
    const missing = await t.as("/v1/r1/context/a", { method: "DELETE" });
    expect([missing.status, missing.json().error.param]).toEqual([404, "context_id"]);
  });

  it("keeps contexts apart per tenant", async () => {
    const mine = tenant();
    const other = tenant();
    await mine.as("/v1/r1/context", { body: { text: PT_DOCUMENT, context_id: "relatorio" } });
    expect((await other.as("/v1/r1/context")).json().contexts).toEqual([]);
    const asked = (
      await other.as("/v1/r1/chat", {
        body: { prompt: "Quem é o presidente do conselho?", use_context: true },
      })
    ).json();
    expect(asked.sources).toEqual([]);
    expect((await other.as("/v1/r1/context/relatorio", { method: "DELETE" })).status).toBe(404);
  });
});

describe("retrieval", () => {
  const t = tenant();
  it.each([
    ["English", EN_DOCUMENT, EN_QUESTIONS],
    ["Portuguese", PT_DOCUMENT, PT_QUESTIONS],
  ] as const)("returns the chunk holding the answer in the top 5 (%s)", async (_, document, questions) => {
    await t.as("/v1/r1/context", { body: { text: document, chunk_tokens: 96, overlap_tokens: 16 } });
    const misses: string[] = [];
    for (const { question, answer } of questions) {
      const res = await t.as("/v1/r1/chat", { body: { prompt: question, use_context: true } });
      expect(res.status).toBe(200);
      const sources = res.json().sources as Array<{ text: string; chunk_id: string; score: number }>;
      expect(sources.length).toBeLessThanOrEqual(5);
      if (!sources.some((s) => s.text.includes(answer))) misses.push(question);
    }
    expect(misses).toEqual([]);
  });
});

describe("POST /v1/r1/context/search", () => {
  it("returns the chunks use_context would use, without calling R1, within k and the token budget", async () => {
    const t = tenant();
    await t.as("/v1/r1/context", { body: { text: EN_DOCUMENT, context_id: "report", chunk_tokens: 64 } });
    const res = await t.as("/v1/r1/context/search", { body: { prompt: "Where is the main factory?", k: 2 } });
    expect(res.status).toBe(200);
    const { sources } = res.json();
    expect(sources).toHaveLength(2);
    expect(sources[0].text).toContain("Tampere, Finland");
    expect(sources[0]).toMatchObject({
      context_id: "report",
      found_by: expect.stringMatching(/vector|lexical|both/),
    });
    const tight = (
      await t.as("/v1/r1/context/search", { body: { prompt: "Where is the main factory?", max_tokens: 70 } })
    ).json();
    expect(tight.sources).toHaveLength(1);
    const bad = await t.as("/v1/r1/context/search", { body: { prompt: "x", k: 50 } });
    expect([bad.status, bad.json().error.param]).toEqual([400, "k"]);
  });
});

describe("use_context and the cache", () => {
  it("answers a repeated question from the cache with the same sources; the prompt cites them", async () => {
    const t = tenant();
    await t.as("/v1/r1/context", { body: { text: EN_DOCUMENT, context_id: "report" } });
    const body = { prompt: "What dividend does the board propose?", use_context: true };
    const first = await t.as("/v1/r1/chat", { body });
    const second = await t.as("/v1/r1/chat", { body });
    expect(first.headers.get("x-r1cache")).toBe("MISS");
    expect(second.headers.get("x-r1cache")).toBe("HIT");
    expect(second.json().sources).toEqual(first.json().sources);
    expect(second.json().sources[0]).toMatchObject({ context_id: "report" });
    expect(second.json().key).toBe(first.json().key);
    // Without use_context the question is another entry (keyed exactly as before this feature).
    const plain = await t.as("/v1/r1/chat", { body: { prompt: body.prompt } });
    expect(plain.headers.get("x-r1cache")).toBe("MISS");
    expect(plain.json().key).not.toBe(first.json().key);
    expect(plain.json()).not.toHaveProperty("sources");
  });

  it("stops serving the old answer once the document changes or is deleted", async () => {
    const t = tenant();
    const v1 = "# Policy\n\nThe refund window for Zephyr orders is 14 days from delivery.";
    const v2 = "# Policy\n\nThe refund window for Zephyr orders is 30 days from delivery.";
    const body = { prompt: "What is the refund window for Zephyr orders?", use_context: true };
    await t.as("/v1/r1/context", { body: { text: v1, context_id: "policy" } });
    const before = await t.as("/v1/r1/chat", { body });
    expect((await t.as("/v1/r1/chat", { body })).headers.get("x-r1cache")).toBe("HIT");

    const replaced = await t.as("/v1/r1/context", { body: { text: v2, context_id: "policy" } });
    expect(replaced.json()).toMatchObject({ replaced: true, unique_chunks: 1 });
    const after = await t.as("/v1/r1/chat", { body });
    expect(after.headers.get("x-r1cache")).toBe("MISS");
    expect(after.json().key).not.toBe(before.json().key);
    expect(after.json().sources[0].text).toContain("30 days");

    await t.as("/v1/r1/context/policy", { method: "DELETE" });
    const gone = await t.as("/v1/r1/chat", { body });
    expect(gone.headers.get("x-r1cache")).toBe("MISS");
    expect(gone.json().sources).toEqual([]);
  });

  it("works on /v1/chat/completions as an extension field, naming the sources in a header", async () => {
    const t = tenant();
    await t.as("/v1/r1/context", { body: { text: PT_DOCUMENT, context_id: "coop" } });
    const body = {
      model: "deepseek-reasoner",
      messages: [{ role: "user", content: "Qual a capacidade do novo armazém de Três Pontas?" }],
      use_context: true,
    };
    const first = await t.as("/v1/chat/completions", { body });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-r1cache-sources")).toMatch(/^coop#[0-9a-f]{12}/);
    const second = await t.as("/v1/chat/completions", { body });
    expect(second.headers.get("x-r1cache")).toBe("HIT");
    expect(second.headers.get("x-r1cache-sources")).toBe(first.headers.get("x-r1cache-sources"));
  });
});

describe("bad documents", () => {
  const t = tenant();
  const nothingStored = async () => {
    expect((await t.as("/v1/r1/context")).json()).toMatchObject({ contexts: [], unique_chunks: 0 });
    expect(await r2ChunkCount(t.namespace)).toBe(0);
  };
  const plain = () => ({ ...t.headers, "content-type": "text/plain; charset=utf-8" });

  it("refuses an empty document", async () => {
    for (const text of ["", "   \n\n  "]) {
      const res = await t.as("/v1/r1/context", { body: { text } });
      expect([res.status, res.json().error.param]).toEqual([400, "text"]);
      expect(res.json().error.message).toContain("empty");
    }
    const streamed = await raw("/v1/r1/context", plain(), "\n\n\n");
    expect([streamed.status, streamed.json().error.param]).toEqual([400, "text"]);
    await nothingStored();
  });

  it("refuses a binary document", async () => {
    const json = await t.as("/v1/r1/context", { body: { text: "PK\u0003\u0004\u0000\u0000binary" } });
    expect([json.status, json.json().error.param]).toEqual([400, "text"]);
    expect(json.json().error.message).toContain("binary");
    // Binary after enough text to have stored batches already: they are dropped.
    const head = new TextEncoder().encode(section("Before", 400));
    const bytes = new Uint8Array(head.byteLength + 4);
    bytes.set(head);
    bytes.set([0x00, 0x01, 0x02, 0x03], head.byteLength);
    const streamed = await raw("/v1/r1/context?context_id=bin&chunk_tokens=32", plain(), bytes);
    expect([streamed.status, streamed.json().error.param]).toEqual([400, "text"]);
    await nothingStored();
  });

  it("refuses invalid UTF-8, even past what was already stored", async () => {
    const head = new TextEncoder().encode(section("Valid", 400));
    const bytes = new Uint8Array(head.byteLength + 3);
    bytes.set(head);
    bytes.set([0xc3, 0x28, 0x41], head.byteLength);
    const res = await raw("/v1/r1/context?context_id=utf&chunk_tokens=32", plain(), bytes);
    expect([res.status, res.json().error.param]).toEqual([400, "text"]);
    expect(res.json().error.message).toContain("UTF-8");
    const json = await raw(
      "/v1/r1/context",
      { ...t.headers, "content-type": "application/json" },
      new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]),
    );
    expect([json.status, json.json().error.param]).toEqual([400, "body"]);
    const surrogate = await t.as("/v1/r1/context", { body: '{"text": "abc \\ud800 def"}' });
    expect([surrogate.status, surrogate.json().error.param]).toEqual([400, "text"]);
    await nothingStored();
  });

  it("refuses a document over 10 MiB, declared or streamed", async () => {
    const declared = await raw(
      "/v1/r1/context",
      { ...plain(), "content-length": String(11 * 1024 * 1024) },
      new ReadableStream({ start: (c) => c.close() }),
    ).catch(() => undefined);
    if (declared) expect(declared.status).toBe(413);
    const piece = new TextEncoder().encode(`${"Lorem ipsum dolor sit amet. ".repeat(37449)}\n\n`);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > 11 * 1024 * 1024) return controller.close();
        sent += piece.byteLength;
        controller.enqueue(piece);
      },
    });
    const res = await raw("/v1/r1/context?context_id=huge&chunk_tokens=2048", plain(), stream);
    expect([res.status, res.json().error.param, res.json().error.type]).toEqual([
      413,
      "text",
      "payload_too_large",
    ]);
    await nothingStored();
  });

  it("names a bad option or content type", async () => {
    const id = await t.as("/v1/r1/context", {
      body: { text: "Fine text.", context_id: "no spaces allowed" },
    });
    expect([id.status, id.json().error.param]).toEqual([400, "context_id"]);
    const size = await t.as("/v1/r1/context", { body: { text: "Fine text.", chunk_tokens: 5 } });
    expect([size.status, size.json().error.param]).toEqual([400, "chunk_tokens"]);
    const type = await raw("/v1/r1/context", { ...t.headers, "content-type": "image/png" }, "x");
    expect([type.status, type.json().error.param]).toEqual([400, "content-type"]);
    await nothingStored();
  });
});

describe("large documents", () => {
  it("streams a text/plain body in, reporting progress as NDJSON", async () => {
    const t = tenant();
    const text = Array.from({ length: 60 }, (_, i) => section(`Part ${i}`, 6)).join("\n\n");
    const res = await raw(
      "/v1/r1/context?context_id=big&progress=1&chunk_tokens=64",
      { ...t.headers, "content-type": "text/plain" },
      text,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/x-ndjson");
    const lines = res.text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const progress = lines.filter((l) => l.progress);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.map((p) => p.chunks)).toEqual([...progress.map((p) => p.chunks)].sort((a, b) => a - b));
    const done = lines.at(-1);
    expect(done).toMatchObject({
      done: true,
      context_id: "big",
      bytes: new TextEncoder().encode(text).byteLength,
    });
    expect(done.chunks).toBeGreaterThanOrEqual(120);
    const listed = (await t.as("/v1/r1/context")).json();
    expect(listed.contexts[0]).toMatchObject({ context_id: "big", chunks: done.chunks });
  }, 120_000);

  it("reports a bad streamed document in its last NDJSON line", async () => {
    const t = tenant();
    const bytes = new Uint8Array([...new TextEncoder().encode(section("Ok", 300)), 0xff, 0xfe]);
    const res = await raw(
      "/v1/r1/context?progress=1&chunk_tokens=32",
      { ...t.headers, "content-type": "text/plain" },
      bytes,
    );
    const last = JSON.parse(res.text.trim().split("\n").at(-1) as string);
    expect(last).toMatchObject({ done: true, status: 400, error: { param: "text" } });
    expect((await t.as("/v1/r1/context")).json().unique_chunks).toBe(0);
  });
});

describe("POST /v1/r1/knowledge-base", () => {
  it("loads documents and Q/A entries; the entries answer their questions from the cache", async () => {
    const t = tenant();
    const res = await t.as("/v1/r1/knowledge-base", {
      body: {
        id: "faq",
        documents: [{ id: "terms", text: "# Terms\n\nShipping to Lisbon takes four business days." }],
        entries: [
          {
            question: "What are the opening hours of the Porto store?",
            answer: "Nine to six, Monday to Saturday.",
          },
          { question: "Vocês entregam aos domingos?", answer: "Não, só de segunda a sábado." },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      id: "faq",
      documents: [{ context_id: "terms" }],
      entries: { count: 2, stored: 2, context_id: "faq:qa" },
    });
    const hit = await t.as("/v1/r1/chat", {
      body: { prompt: "What are the opening hours of the Porto store?" },
    });
    expect(hit.headers.get("x-r1cache")).toBe("HIT");
    expect(hit.json().response).toBe("Nine to six, Monday to Saturday.");
    const asked = (
      await t.as("/v1/r1/chat", {
        body: { prompt: "How long does shipping to Lisbon take?", use_context: true },
      })
    ).json();
    expect(asked.sources[0]).toMatchObject({ context_id: "terms" });
    const pt = (
      await t.as("/v1/r1/chat", { body: { prompt: "Vocês fazem entregas aos domingos?", use_context: true } })
    ).json();
    expect(pt.sources.some((s: { text: string }) => s.text.includes("segunda a sábado"))).toBe(true);
  });

  it("checks every document before storing any", async () => {
    const t = tenant();
    const res = await t.as("/v1/r1/knowledge-base", {
      body: { documents: [{ text: "Good document." }, { text: "" }] },
    });
    expect([res.status, res.json().error.param]).toEqual([400, "documents[1].text"]);
    const empty = await t.as("/v1/r1/knowledge-base", { body: {} });
    expect([empty.status, empty.json().error.param]).toEqual([400, "documents"]);
    expect((await t.as("/v1/r1/context")).json().contexts).toEqual([]);
  });
});

describe("loads that never committed", () => {
  const HOUR = 3_600_000;
  const workerEnv = () => ({ ...(env as unknown as Env), ...KEYS });
  const listRows = async (namespace: string, contextId: string) =>
    (
      await env.DB.prepare("SELECT count(*) AS n FROM context_chunks WHERE namespace = ? AND context_id = ?")
        .bind(namespace, contextId)
        .first<{ n: number }>()
    )?.n ?? 0;

  it("defragment drops a dead load's chunk list and chunks, keeps a load in progress and every document", async () => {
    const t = tenant();
    expect((await t.as("/v1/r1/context", { body: { text: EN_DOCUMENT, context_id: "kept" } })).status).toBe(
      200,
    );
    const kept = await r2ChunkCount(t.namespace);
    const { store } = createDocuments(workerEnv(), t.namespace);
    const chunks = (tag: string) =>
      Array.from({ length: 3 }, (_, i) => ({
        text: `${tag} chunk ${i}: nothing else holds this text.`,
        tokens: 9,
      }));
    // A load begun two hours ago that never committed (its isolate was killed), and one begun now.
    const dead = (Date.now() - 2 * HOUR) * 1024;
    await store.addBatch("dead", dead, 0, chunks("dead"));
    const going = store.generation();
    await store.addBatch("going", going, 0, chunks("going"));
    expect(await r2ChunkCount(t.namespace)).toBe(kept + 6);
    // Too late to commit: refused, so the sweep below can never drop a load about to commit.
    const meta = { bytes: 1, chars: 1, tokens: 1, chunks: 3, checksum: "x" };
    await expect(store.commit("dead", dead, meta)).rejects.toThrow(/30 minutes/);

    let report: DefragmentReport | undefined;
    for (let pass = 0; pass < 50 && (pass === 0 || report?.more); pass++) {
      const ctx = createExecutionContext();
      const run = { now: Date.now(), batch: 200, restart: pass === 0 };
      report = (await runMaintenance(
        "defragment",
        workerEnv(),
        ctx,
        DEFAULT_CONFIG,
        run,
      )) as DefragmentReport;
      await waitOnExecutionContext(ctx);
    }
    expect(report?.run.totals.loads).toBe(1);
    expect(await listRows(t.namespace, "dead")).toBe(0);
    expect(await listRows(t.namespace, "going")).toBe(3);
    expect(await r2ChunkCount(t.namespace)).toBe(kept + 3);
    // The going load commits and is served; the committed document is untouched.
    await store.commit("going", going, meta);
    const listed = (await t.as("/v1/r1/context")).json();
    expect(listed.contexts.map((c: { context_id: string }) => c.context_id)).toEqual(["going", "kept"]);
    const found = await t.as("/v1/r1/context/search", { body: { prompt: EN_QUESTIONS[0]?.question ?? "" } });
    expect(found.json().sources.length).toBeGreaterThan(0);
  });
});
