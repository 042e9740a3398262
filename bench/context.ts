/**
 * Context expansion benchmark (`npm run bench:context`), over HTTP against the worker under wrangler dev
 * (as `npm run dev`), timed from Node:
 *
 * 1. quality: the written EN and PT documents (test/fixtures/context-docs.ts) are added and every question
 *    is sent to `POST /v1/r1/context/search`; a question counts when a returned chunk holds its answer
 *    (top 5, and top 1). Bundled offline encoder (`use-lite-en-0.2.0`) + the lexical index.
 * 2. ingest with the bundled encoder: a document of QQP questions (qqp-dev.jsonl) streamed as text/plain,
 *    then the same text again under another id (every chunk known: no embedding).
 * 3. scale, with a hashing embedder served by this script (OpenAI-compatible `/v1/embeddings`, 512
 *    dimensions, bag of hashed words) so that 100k chunks can be loaded on this machine: a 10 MiB
 *    document streamed; then the namespace is filled to 1k, 10k and 100k chunks and retrieval is timed
 *    at each size (and its top-5 recall for questions taken from the chunks).
 * 4. dedup: documents built from a pool of sections with repeats; chunk references vs distinct chunks
 *    and bytes.
 *
 * Options: --max-chunks N (default 100000) stops the scale phase there; --skip-encoder skips 1-2.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { chunkText } from "../src/documents/chunker";
import { mulberry32 } from "../src/upstream/simulator";
import {
  type ContextQuestion,
  EN_DOCUMENT,
  EN_QUESTIONS,
  PT_DOCUMENT,
  PT_QUESTIONS,
} from "../test/fixtures/context-docs";
import { startWorker } from "./eval/http/launch";

const { values: args } = parseArgs({
  options: {
    "max-chunks": { type: "string", default: "100000" },
    "skip-encoder": { type: "boolean", default: false },
    "quality-only": { type: "boolean", default: false },
  },
});
const MAX_CHUNKS = Number(args["max-chunks"]);
const DATA = process.env.R1CACHE_DATA_DIR ?? path.resolve(import.meta.dirname, "../../shared/data");
const AUTH = { authorization: "Bearer dev-key" };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;
const mb = (bytes: number) => bytes / (1024 * 1024);

/** QQP questions, `a` then `b` of each row of the files, in file order. */
function qqpQuestions(files: string[]): string[] {
  return files.flatMap((file) =>
    readFileSync(path.join(DATA, file), "utf8")
      .trim()
      .split("\n")
      .flatMap((line) => {
        const row = JSON.parse(line) as { a: string; b: string };
        return [row.a, row.b];
      }),
  );
}

async function post(base: string, route: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + route, {
    method: "POST",
    headers: { ...AUTH, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${route}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** Streams `text` as a text/plain body; returns the result and the wall time. */
async function ingest(base: string, id: string, text: string, query = "", retried = false) {
  const body = new TextEncoder().encode(text);
  const t0 = performance.now();
  const res = await fetch(`${base}/v1/r1/context?context_id=${id}${query}`, {
    method: "POST",
    headers: { ...AUTH, "content-type": "text/plain; charset=utf-8" },
    body,
  });
  const out = await res.text();
  const ms = performance.now() - t0;
  // wrangler dev answers 503 when it restarted workerd under the request: say so, and try once more.
  if (res.status === 503 && !retried) {
    console.log(`\n  ingest ${id}: ${res.status} ${out.slice(0, 120)}; retrying once`);
    return ingest(base, id, text, query, true);
  }
  if (!res.ok) throw new Error(`ingest ${id}: ${res.status} ${out.slice(0, 300)}`);
  return {
    ms,
    bytes: body.byteLength,
    result: JSON.parse(out) as { chunks: number; new_chunks: number; unique_chunks: number },
  };
}

async function search(base: string, prompt: string) {
  const t0 = performance.now();
  const out = await post(base, "/v1/r1/context/search", { prompt, k: 5 });
  return { ms: performance.now() - t0, sources: out.sources as Array<{ text: string }> };
}

async function quality(base: string, label: string, questions: ContextQuestion[]) {
  let top5 = 0;
  let top1 = 0;
  const times: number[] = [];
  const missed: string[] = [];
  for (const { question, answer } of questions) {
    const { ms, sources } = await search(base, question);
    times.push(ms);
    if (sources.some((s) => s.text.includes(answer))) top5++;
    else missed.push(question);
    if (sources[0]?.text.includes(answer)) top1++;
  }
  const line = `${label}: top-5 ${top5}/${questions.length} (${((100 * top5) / questions.length).toFixed(1)}%), top-1 ${top1}/${questions.length}, median ${median(times).toFixed(1)} ms`;
  console.log(line + (missed.length ? `; missed: ${missed.join(" | ")}` : ""));
  return line;
}

/** Sections of QQP questions: `## Topic n` then paragraphs of 6 questions, ~1 KB per paragraph. */
function corpus(questions: string[], sections: number, seed: number, perSection = 5): string {
  const random = mulberry32(seed);
  const pick = () => questions[Math.floor(random() * questions.length)] as string;
  const out: string[] = [];
  for (let s = 0; s < sections; s++) {
    out.push(`## Topic ${seed}-${s}`);
    for (let p = 0; p < perSection; p++) out.push(Array.from({ length: 6 }, pick).join(" "));
  }
  return out.join("\n\n");
}

/** A hashing embedder: words hashed into 512 signed dimensions, unit length (fast, deterministic). */
function hashEmbedder(): Promise<{ server: Server; url: string }> {
  const DIMS = 512;
  const embed = (text: string) => {
    const v = new Float32Array(DIMS);
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
      let h = 2166136261;
      for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
      const at = (h >>> 0) % DIMS;
      v[at] = (v[at] ?? 0) + (h & 1 ? 1 : -1);
    }
    const norm = Math.hypot(...v) || 1;
    return Array.from(v, (x) => x / norm);
  };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const { input } = JSON.parse(body) as { input: string[] };
      const data = input.map((text, index) => ({ index, object: "embedding", embedding: embed(text) }));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", data }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}/v1` });
    }),
  );
}

const report: string[] = [];

/**
 * Quality among distractors: 227 chunks of QQP text in the namespace first, then both written
 * documents at small chunks (64/16: 16 EN and 11 PT chunks), so each question picks its chunk out of 254.
 */
async function qualityAmongDistractors(qqp: string[]) {
  const worker = await startWorker();
  try {
    const base = worker.base;
    await ingest(base, "distractors", corpus(qqp, 100, 1));
    for (const [tokens, overlap] of [
      [64, 16],
      [256, 32],
    ] as const) {
      const q = `&chunk_tokens=${tokens}&overlap_tokens=${overlap}`;
      const en = await ingest(base, `en-${tokens}`, EN_DOCUMENT, q);
      const pt = await ingest(base, `pt-${tokens}`, PT_DOCUMENT, q);
      const label = `among ${pt.result.unique_chunks} chunks`;
      report.push(
        `chunks ${tokens}/${overlap}: EN ${en.result.chunks} chunks, PT ${pt.result.chunks} chunks; namespace ${pt.result.unique_chunks} chunks`,
      );
      report.push(
        await quality(
          base,
          `EN ${EN_QUESTIONS.length} questions, chunks ${tokens}/${overlap}, ${label}`,
          EN_QUESTIONS,
        ),
      );
      report.push(
        await quality(
          base,
          `PT ${PT_QUESTIONS.length} questions, chunks ${tokens}/${overlap}, ${label}`,
          PT_QUESTIONS,
        ),
      );
      for (const id of [`en-${tokens}`, `pt-${tokens}`]) {
        await fetch(`${base}/v1/r1/context/${id}`, { method: "DELETE", headers: AUTH });
      }
    }
  } finally {
    await worker.stop();
  }
}
const questions = qqpQuestions(["qqp-dev.jsonl"]);
console.log(`qqp-dev.jsonl: ${questions.length} questions (a and b of rows 0-11,999)`);

if (args["quality-only"]) {
  await qualityAmongDistractors(questions);
  console.log("\n## summary\n");
  for (const line of report) console.log(`- ${line}`);
  process.exit(0);
}

if (!args["skip-encoder"]) {
  const worker = await startWorker();
  try {
    const base = worker.base;
    for (const [tokens, overlap] of [
      [256, 32],
      [128, 16],
    ] as const) {
      const q = `&chunk_tokens=${tokens}&overlap_tokens=${overlap}`;
      const en = await ingest(base, `en-${tokens}`, EN_DOCUMENT, q);
      const pt = await ingest(base, `pt-${tokens}`, PT_DOCUMENT, q);
      report.push(
        `chunks ${tokens}/${overlap} tokens: EN ${en.result.chunks} chunks, PT ${pt.result.chunks} chunks`,
      );
      report.push(
        await quality(base, `EN ${EN_QUESTIONS.length} questions, chunks ${tokens}/${overlap}`, EN_QUESTIONS),
      );
      report.push(
        await quality(base, `PT ${PT_QUESTIONS.length} questions, chunks ${tokens}/${overlap}`, PT_QUESTIONS),
      );
      // The next size is measured alone.
      for (const id of [`en-${tokens}`, `pt-${tokens}`]) {
        await fetch(`${base}/v1/r1/context/${id}`, { method: "DELETE", headers: AUTH });
      }
    }
    const text = corpus(questions, 100, 1);
    const first = await ingest(base, "qqp-1", text);
    const again = await ingest(base, "qqp-1-again", text);
    for (const [label, run] of [
      ["ingest, bundled encoder", first],
      ["re-ingest of the same text, bundled encoder (no embedding)", again],
    ] as const) {
      const line = `${label}: ${mb(run.bytes).toFixed(2)} MB, ${run.result.chunks} chunks (${run.result.new_chunks} new) in ${(run.ms / 1000).toFixed(1)} s = ${(mb(run.bytes) / (run.ms / 1000)).toFixed(3)} MB/s, ${(run.result.chunks / (run.ms / 1000)).toFixed(1)} chunks/s`;
      console.log(line);
      report.push(line);
    }
  } finally {
    await worker.stop();
  }
}

const { server, url } = await hashEmbedder();
const worker = await startWorker({
  vars: {
    EMBEDDINGS_BACKEND: "openai",
    EMBEDDINGS_BASE_URL: url,
    EMBEDDINGS_API_KEY: "bench",
    EMBEDDINGS_MODEL: "bench-hash-512",
    EMBEDDINGS_DIMENSIONS: "512",
  },
});
try {
  const base = worker.base;
  const all = qqpQuestions(["qqp-dev.jsonl", "qqp-train.jsonl"]);
  console.log(
    `qqp-dev.jsonl + qqp-train.jsonl: ${all.length} questions (a and b of rows 0-11,999 and 0-27,999)`,
  );
  // Dedup on a corpus with repeats, in the fresh namespace: 40 documents of 12 sections drawn from a pool of 60.
  const random = mulberry32(42);
  const pool = Array.from({ length: 60 }, (_, i) => corpus(all, 1, 10_000 + i, 3));
  let references = 0;
  let referencedBytes = 0;
  let docBytes = 0;
  const encoder = new TextEncoder();
  for (let d = 0; d < 40; d++) {
    const text = Array.from({ length: 12 }, () => pool[Math.floor(random() * pool.length)]).join("\n\n");
    const result = (await post(base, "/v1/r1/context", { text, context_id: `dedup-${d}` })) as {
      chunks: number;
    };
    const chunks = chunkText(text);
    if (chunks.length !== result.chunks) throw new Error("the worker and this script chunk differently");
    references += result.chunks;
    referencedBytes += chunks.reduce((n, c) => n + encoder.encode(c.text).byteLength, 0);
    docBytes += encoder.encode(text).byteLength;
  }
  const listed = (await (await fetch(`${base}/v1/r1/context`, { headers: AUTH })).json()) as {
    unique_chunks: number;
    chunk_bytes: number;
    stored_bytes: number;
  };
  report.push(
    `dedup: 40 documents x 12 sections drawn from a pool of 60 (${mb(docBytes).toFixed(2)} MB of documents): ${references} chunk references, ${listed.unique_chunks} distinct chunks stored; chunk text ${mb(referencedBytes).toFixed(2)} MB without dedup vs ${mb(listed.chunk_bytes).toFixed(2)} MB with it (${(100 * (1 - listed.chunk_bytes / referencedBytes)).toFixed(1)}% saved), ${mb(listed.stored_bytes).toFixed(2)} MB in R2 after gzip (${(100 * (1 - listed.stored_bytes / referencedBytes)).toFixed(1)}% below the undeduplicated text)`,
  );
  console.log(report.at(-1));
  for (let d = 0; d < 40; d++)
    await fetch(`${base}/v1/r1/context/dedup-${d}`, { method: "DELETE", headers: AUTH });

  // A 10 MiB document, streamed.
  // Just under 10 MiB, cut at a paragraph (QQP text is nearly all ASCII: check the bytes once).
  let big = corpus(all, 6_000, 7);
  big = big.slice(0, big.lastIndexOf("\n\n", 10 * 1024 * 1024 - 64 * 1024));
  if (new TextEncoder().encode(big).byteLength > 10 * 1024 * 1024)
    throw new Error("the 10 MiB document is too large");
  const tenMb = await ingest(base, "ten-mb", big);
  const line = `10 MiB document, hashing embedder: ${mb(tenMb.bytes).toFixed(2)} MB, ${tenMb.result.chunks} chunks in ${(tenMb.ms / 1000).toFixed(1)} s = ${(mb(tenMb.bytes) / (tenMb.ms / 1000)).toFixed(2)} MB/s, ${(tenMb.result.chunks / (tenMb.ms / 1000)).toFixed(0)} chunks/s`;
  console.log(line);
  report.push(line);
  const t1 = performance.now();
  const removed = await fetch(`${base}/v1/r1/context/ten-mb`, { method: "DELETE", headers: AUTH });
  const removedLine = `delete of that document: ${removed.status} ${(await removed.text()).slice(0, 120)} in ${((performance.now() - t1) / 1000).toFixed(1)} s`;
  console.log(removedLine);
  report.push(removedLine);

  // Fill the namespace to each size, timing retrieval at each.
  let held = 0;
  let part = 0;
  const probes: Array<{ question: string; doc: string }> = [];
  for (const target of [1_000, 10_000, 100_000].filter((n) => n <= MAX_CHUNKS)) {
    const t0 = performance.now();
    while (held < target) {
      // ~4 chunks per section at the default 256 tokens.
      const sections = Math.min(2_000, Math.ceil((target - held) / 4));
      const text = corpus(all, sections, 100 + part);
      const { result } = await ingest(base, `fill-${part++}`, text);
      held = result.unique_chunks;
      // Probe questions from this part (the first question of some paragraphs): found when a returned chunk holds it.
      const paragraphs = text.split("\n\n").filter((p) => !p.startsWith("## "));
      for (let i = 0; i < paragraphs.length; i += Math.max(1, Math.floor(paragraphs.length / 10))) {
        const para = paragraphs[i] as string;
        probes.push({ question: para.split("? ")[0] ?? para, doc: para });
      }
      process.stdout.write(`\r  ${held} chunks`);
    }
    process.stdout.write("\n");
    const fillS = (performance.now() - t0) / 1000;
    const times: number[] = [];
    let found = 0;
    const sample = probes.slice(-60);
    for (let round = 0; round < 3; round++) {
      for (const probe of sample) {
        const { ms, sources } = await search(base, probe.question);
        times.push(ms);
        if (round === 0 && sources.some((s) => s.text.includes(probe.question))) found++;
      }
    }
    const out = `${held} chunks (filled in ${fillS.toFixed(0)} s): retrieval median ${median(times).toFixed(1)} ms, p90 ${quantile(times, 0.9).toFixed(1)} ms over ${times.length} searches; top-5 holds the probe's chunk ${found}/${sample.length}`;
    console.log(out);
    report.push(out);
  }
} finally {
  await worker.stop();
  server.close();
}

console.log("\n## summary\n");
for (const line of report) console.log(`- ${line}`);
