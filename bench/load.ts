/**
 * @module The load test (`npm run load`): many real concurrent clients against the worker as `npm run dev`
 * runs it (wrangler dev, local KV/D1/R2/Durable Objects, the embedder, the R1 simulator), checking every
 * response, then the worker's own accounting, then L1's memory bound while many distinct prompts pass.
 *
 *   npm run load                                  64 clients, 30 s, simulator at 300 ms, 20,000 distinct
 *   npm run load -- --ci                          the small run CI makes (16 clients, 12 s, 1,500 distinct)
 *   npm run load -- --distinct 100000             the memory bound over 100,000 distinct prompts
 *   npm run load -- --url http://127.0.0.1:8787   against a running `npm run dev` (its config as it is)
 *
 * Workload (seeded): two tenants; hot questions picked by Zipf (60% asked in their usual words, 40% in
 * other words, i.e. paraphrases), 35% never-seen questions, 30% of requests streaming. Every response
 * must be a 200 with the simulator's deterministic answer for the question whose entry it names
 * (`x-r1cache-key`): its own, or for a semantic hit a paraphrase of it in the same tenant; a stream must
 * be well-formed SSE ending in `data: [DONE]`. Upstream calls must equal the distinct keys that missed,
 * with at most one leader per key. Loopback only; bounded by --seconds and --distinct.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { canonicalParams, exactKey } from "../src/cache/key";
import { mulberry32, simulateCompletion } from "../src/upstream/simulator";
import { type LocalWorker, startWorker } from "./eval/http/launch";

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    clients: { type: "string" },
    seconds: { type: "string" },
    latency: { type: "string" },
    distinct: { type: "string" },
    seed: { type: "string", default: "1" },
    ci: { type: "boolean", default: false },
  },
});

const CI = args.ci ?? false;
const CLIENTS = Number(args.clients ?? (CI ? 16 : 64));
const SECONDS = Number(args.seconds ?? (CI ? 12 : 30));
const LATENCY_MS = Number(args.latency ?? 300);
const DISTINCT = Number(args.distinct ?? (CI ? 1_500 : 20_000));
const SEED = Number(args.seed);
/** L1 budget of the launched worker: small, so that the distinct phase must evict. */
const L1_MAX_BYTES = 2 * 1024 * 1024;
const MODEL = "deepseek-reasoner";
const ADMIN = { authorization: "Bearer dev-admin" };
const TENANTS = [
  { key: "dev-key", namespace: "dev" },
  { key: "load-tenant-b", namespace: "load-b" },
] as const;

/** Questions asked in three wordings each: the first is the usual one. */
const TOPICS = [
  "a moving average",
  "the price to earnings ratio",
  "a stop loss order",
  "dollar cost averaging",
  "an index fund",
  "the bid ask spread",
  "a limit order",
  "market capitalization",
  "a bond yield",
  "compound interest",
  "a hash table",
  "a binary search tree",
  "photosynthesis",
  "the greenhouse effect",
  "a black hole",
  "plate tectonics",
  "the immune system",
  "a neural network",
  "public key cryptography",
  "the water cycle",
  "supply and demand",
  "inflation",
  "a recession",
  "an exchange traded fund",
];
const WORDINGS = [
  (t: string) => `What is ${t}?`,
  (t: string) => `Explain ${t}.`,
  (t: string) => `Can you explain what ${t} is?`,
];

interface Expected {
  prompt: string;
  content: string;
  /** Keys of the entries a semantic hit may serve: this question's paraphrases, same tenant. */
  group: Set<string>;
}

const expectedByKey = new Map<string, Expected>();
const contentOf = (prompt: string) =>
  simulateCompletion(
    canonicalParams({ model: MODEL, messages: [{ role: "user", content: prompt }] }),
  ).content.join("");
const keyOf = (namespace: string, prompt: string) =>
  exactKey(namespace, canonicalParams({ model: MODEL, messages: [{ role: "user", content: prompt }] }));

async function expectAnswer(namespace: string, prompt: string, group?: Set<string>): Promise<string> {
  const key = await keyOf(namespace, prompt);
  if (!expectedByKey.has(key)) {
    expectedByKey.set(key, { prompt, content: contentOf(prompt), group: group ?? new Set([key]) });
  }
  return key;
}

/** Hot questions per tenant, as keys, grouped with their paraphrases. */
async function hotKeys(): Promise<string[][][]> {
  return Promise.all(
    TENANTS.map(({ namespace }) =>
      Promise.all(
        TOPICS.map(async (topic) => {
          const group = new Set<string>();
          const keys: string[] = [];
          for (const wording of WORDINGS) keys.push(await expectAnswer(namespace, wording(topic), group));
          for (const key of keys) group.add(key);
          return keys;
        }),
      ),
    ),
  );
}

/** Zipf(1) over n ranks. */
function zipf(n: number, random: () => number): number {
  const total = Array.from({ length: n }, (_, i) => 1 / (i + 1)).reduce((a, b) => a + b, 0);
  let r = random() * total;
  for (let i = 0; i < n; i++) {
    r -= 1 / (i + 1);
    if (r <= 0) return i;
  }
  return n - 1;
}

interface Outcome {
  key: string;
  status: string;
  coalesced: boolean;
  match: string | null;
  stream: boolean;
  ms: number;
  failure?: string;
}

/** Reads an OpenAI SSE body: the answer text, and whether it ended with `[DONE]` after a finish. */
function readSse(text: string): { content: string; done: boolean; error?: string } {
  let content = "";
  let done = false;
  let finished = false;
  for (const block of text.split("\n\n")) {
    const line = block.trim();
    if (!line) continue;
    if (!line.startsWith("data: ")) return { content, done: false, error: `not SSE: ${line.slice(0, 80)}` };
    const data = line.slice(6);
    if (data === "[DONE]") {
      done = true;
      continue;
    }
    if (done) return { content, done: false, error: "data after [DONE]" };
    const chunk = JSON.parse(data);
    if (chunk.error) return { content, done: false, error: `error event: ${JSON.stringify(chunk.error)}` };
    const choice = chunk.choices?.[0];
    content += choice?.delta?.content ?? "";
    if (choice?.finish_reason) finished = true;
  }
  if (done && !finished) return { content, done: false, error: "[DONE] without a finish_reason" };
  return { content, done };
}

async function ask(
  base: string,
  tenant: (typeof TENANTS)[number],
  prompt: string,
  ownKey: string,
  stream: boolean,
): Promise<Outcome> {
  const started = performance.now();
  const outcome: Outcome = { key: ownKey, status: "?", coalesced: false, match: null, stream, ms: 0 };
  const fail = (why: string) => Object.assign(outcome, { failure: why, ms: performance.now() - started });
  let response: Response;
  try {
    response = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${tenant.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: prompt }], stream }),
    });
  } catch (error) {
    return fail(`fetch failed: ${(error as Error).message}`);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return fail(`body cut: ${(error as Error).message}`);
  }
  outcome.ms = performance.now() - started;
  outcome.status = response.headers.get("x-r1cache") ?? "?";
  outcome.coalesced = response.headers.get("x-r1cache-coalesced") === "1";
  outcome.match = response.headers.get("x-r1cache-match");
  const served = response.headers.get("x-r1cache-key") ?? "";
  outcome.key = served;
  if (response.status !== 200) return fail(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  const expected = expectedByKey.get(ownKey);
  if (!expected) return fail("no expectation for the question (bug in the load test)");
  if (served !== ownKey && !(outcome.match === "semantic" && expected.group.has(served))) {
    return fail(
      `served entry ${served.slice(0, 12)} is not this question's nor a paraphrase's in its tenant`,
    );
  }
  const want = expectedByKey.get(served)?.content;
  let got: string;
  if (stream) {
    const sse = readSse(text);
    if (sse.error || !sse.done) return fail(`stream: ${sse.error ?? "no [DONE]"}`);
    got = sse.content;
  } else {
    try {
      got = JSON.parse(text).choices?.[0]?.message?.content;
    } catch {
      return fail(`not JSON: ${text.slice(0, 120)}`);
    }
  }
  if (got !== want) return fail(`wrong answer for "${expected.prompt}": ${String(got).slice(0, 80)}`);
  return outcome;
}

async function adminStats(base: string) {
  const response = await fetch(`${base}/admin/stats`, { headers: ADMIN });
  if (!response.ok) throw new Error(`/admin/stats: HTTP ${response.status}`);
  return (await response.json()) as {
    upstream_calls: number;
    coalesced: number;
    coalescer_errors: number;
    tiers: { l1?: { bytes: number; entries: number } };
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)] as number) : 0;
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor(q * s.length))] as number) : 0;
};

/** Phase 1: the mixed workload for SECONDS. */
async function mixed(base: string, run: string) {
  const hot = await hotKeys();
  const outcomes: Outcome[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  let fresh = 0;
  const client = async (id: number) => {
    const random = mulberry32(SEED * 1_000 + id);
    while (performance.now() < deadline) {
      const tenantIndex = random() < 0.5 ? 0 : 1;
      const tenant = TENANTS[tenantIndex] as (typeof TENANTS)[number];
      const stream = random() < 0.3;
      let prompt: string;
      let key: string;
      if (random() < 0.35) {
        prompt = `Load ${run}: what is the answer to puzzle number ${id * 100_000 + fresh++}?`;
        key = await expectAnswer(tenant.namespace, prompt);
      } else {
        const topic = zipf(TOPICS.length, random);
        const wording = random() < 0.6 ? 0 : 1 + Math.floor(random() * (WORDINGS.length - 1));
        prompt = (WORDINGS[wording] as (t: string) => string)(TOPICS[topic] as string);
        key = hot[tenantIndex]?.[topic]?.[wording] as string;
      }
      outcomes.push(await ask(base, tenant, prompt, key, stream));
    }
  };
  const before = await adminStats(base);
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
  const seconds = (performance.now() - started) / 1000;
  const after = await adminStats(base);

  const missed = new Set(outcomes.filter((o) => o.status === "MISS").map((o) => o.key));
  const leaders = new Map<string, number>();
  for (const o of outcomes) {
    if (o.status === "MISS" && !o.coalesced) leaders.set(o.key, (leaders.get(o.key) ?? 0) + 1);
  }
  const doubleLeaders = [...leaders.values()].filter((n) => n > 1).length;
  const failures = outcomes.filter((o) => o.failure);
  const upstreamCalls = after.upstream_calls - before.upstream_calls;
  return {
    requests: outcomes.length,
    seconds,
    rps: outcomes.length / seconds,
    failures: failures.length,
    failureSamples: [...new Set(failures.map((f) => f.failure))].slice(0, 8),
    streamed: outcomes.filter((o) => o.stream).length,
    hits: outcomes.filter((o) => o.status === "HIT").length,
    semanticHits: outcomes.filter((o) => o.match === "semantic").length,
    misses: outcomes.filter((o) => o.status === "MISS").length,
    coalescedResponses: outcomes.filter((o) => o.coalesced).length,
    distinctKeysMissed: missed.size,
    upstreamCalls,
    doubleLeaders,
    coalescerErrors: after.coalescer_errors - before.coalescer_errors,
    latencyMs: {
      hitMedian: median(outcomes.filter((o) => o.status === "HIT").map((o) => o.ms)),
      missMedian: median(outcomes.filter((o) => o.status === "MISS").map((o) => o.ms)),
      p99: quantile(
        outcomes.map((o) => o.ms),
        0.99,
      ),
    },
  };
}

/** Phase 2: DISTINCT never-seen prompts; L1's bytes are sampled and must stay within its budget. */
async function distinct(base: string, run: string, l1MaxBytes: number) {
  let next = 0;
  let failures = 0;
  const samples: Array<{ sent: number; l1Bytes: number; l1Entries: number }> = [];
  const sampleEvery = Math.max(100, Math.floor(DISTINCT / 10));
  let nextSample = sampleEvery;
  const sample = async () => {
    const { tiers } = await adminStats(base);
    samples.push({ sent: next, l1Bytes: tiers.l1?.bytes ?? 0, l1Entries: tiers.l1?.entries ?? 0 });
  };
  const started = performance.now();
  const tenant = TENANTS[0];
  const client = async () => {
    while (next < DISTINCT) {
      const i = next++;
      const prompt = `Load ${run}: distinct question ${i}, how many ways are there to tile a 2 by ${i} board?`;
      const key = await expectAnswer(tenant.namespace, prompt);
      const outcome = await ask(base, tenant, prompt, key, false);
      if (outcome.failure) failures++;
      expectedByKey.delete(key);
      if (next >= nextSample) {
        nextSample += sampleEvery;
        await sample();
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  await sample();
  const over = samples.filter((s) => s.l1Bytes > l1MaxBytes);
  return {
    prompts: DISTINCT,
    seconds: (performance.now() - started) / 1000,
    failures,
    l1MaxBytes,
    maxL1Bytes: Math.max(...samples.map((s) => s.l1Bytes)),
    samples,
    overBudget: over.length,
  };
}

async function main() {
  let worker: LocalWorker | undefined;
  let base = args.url?.replace(/\/$/, "");
  if (!base) {
    process.stderr.write("starting wrangler dev (first start bundles the encoder; allow a minute)...\n");
    worker = await startWorker({
      vars: {
        R1_SIMULATOR_LATENCY_MS: String(LATENCY_MS),
        R1CACHE_KEYS: JSON.stringify({ [TENANTS[1].key]: TENANTS[1].namespace }),
        R1CACHE_CONFIG: JSON.stringify({ tiers: { l1: { maxBytes: L1_MAX_BYTES } } }),
      },
    });
    base = worker.base;
  }
  const config = (await (await fetch(`${base}/admin/config`, { headers: ADMIN })).json()) as {
    tiers: { l1: { maxBytes: number } };
  };
  const l1MaxBytes = config.tiers.l1.maxBytes as number;
  const run = `${SEED}-${Date.now().toString(36)}`;
  try {
    process.stderr.write(`mixed: ${CLIENTS} clients for ${SECONDS} s against ${base}\n`);
    const phase1 = await mixed(base, run);
    process.stderr.write(`distinct: ${DISTINCT} prompts\n`);
    const phase2 = await distinct(base, run, l1MaxBytes);
    const checks = {
      "every response right (200, the simulator's answer, SSE ends in [DONE])": phase1.failures === 0,
      "upstream calls = distinct keys that missed": phase1.upstreamCalls === phase1.distinctKeysMissed,
      "at most one leader per key": phase1.doubleLeaders === 0,
      "no coalescer fallbacks": phase1.coalescerErrors === 0,
      "distinct phase: every response right": phase2.failures === 0,
      "distinct phase: L1 bytes within budget": phase2.overBudget === 0,
    };
    const result = {
      date: new Date().toISOString(),
      settings: { clients: CLIENTS, seconds: SECONDS, latencyMs: LATENCY_MS, distinct: DISTINCT, seed: SEED },
      mixed: phase1,
      distinct: phase2,
      checks,
    };
    const out = path.join(import.meta.dirname, "..", ".bench-out");
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, "load.json"), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify({ mixed: phase1, distinct: { ...phase2, samples: undefined } }, null, 2));
    for (const [check, ok] of Object.entries(checks)) console.log(`${ok ? "PASS" : "FAIL"}  ${check}`);
    process.exitCode = Object.values(checks).every(Boolean) ? 0 : 1;
  } finally {
    await worker?.stop();
  }
}

await main();
