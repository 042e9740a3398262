/**
 * Benchmarks the bundled worker in Miniflare, driven directly (no wrangler dev proxy): `npm run bench`.
 * Method and results: BENCHMARKS.md. Latencies are medians of sequential requests measured in this
 * Node process around fetch(); ratios compare routes measured interleaved in the same run.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { latencyChart } from "./chart.mjs";
import {
  AUTH,
  bundle,
  chatBody,
  OUT,
  quantile,
  ROOT,
  start,
  summary,
  timed,
  workerdCpuMs,
} from "./worker.mjs";

const N = Number(process.env.BENCH_N ?? 400);
/** `BENCH_ONLY=l1` runs the L1-hit-vs-no-op comparison alone (for iterating on the hit path). */
const ONLY = process.env.BENCH_ONLY;
/** The chart `npm run bench` draws (committed, linked from BENCHMARKS.md). */
const CHART = join(ROOT, "bench", "latency.svg");
const fmt = (x) => x.toFixed(2);

function progress(label, i, n) {
  if (i % Math.max(1, Math.floor(n / 20)) === 0 || i === n) process.stderr.write(`\r${label} ${i}/${n}   `);
  if (i === n) process.stderr.write("\n");
}

/** L1 hit vs the no-op /healthz route, interleaved so both see the same machine noise. */
async function l1VersusNoop(scriptPath) {
  const { mf, base } = await start(scriptPath);
  const post = { method: "POST", headers: AUTH, body: chatBody("benchmark: L1 hit vs no-op") };
  await timed(base, "/v1/chat/completions", post);
  for (let i = 0; i < 50; i++) {
    await Promise.all([
      timed(base, "/healthz"),
      timed(base, "/healthz", post),
      timed(base, "/v1/chat/completions", post),
    ]);
  }
  const noop = [];
  const noopPost = [];
  const hit = [];
  for (let i = 1; i <= N; i++) {
    noop.push((await timed(base, "/healthz")).ms);
    noopPost.push((await timed(base, "/healthz", post)).ms);
    const h = await timed(base, "/v1/chat/completions", post);
    if (h.res.headers.get("x-r1cache-tier") !== "l1") throw new Error("expected an L1 hit");
    hit.push(h.ms);
    progress("l1 vs no-op", i, N);
  }
  // 3 s per route at concurrency 32, in 1 s turns so that every route sees the same machine noise; the
  // workerd CPU each route used meanwhile, per request.
  const throughput = { noop: 0, noop_post: 0, l1_hit: 0 };
  const cpuMs = { noop: 0, noop_post: 0, l1_hit: 0 };
  for (let turn = 0; turn < 3; turn++) {
    for (const [name, path, init] of [
      ["noop", "/healthz", undefined],
      ["noop_post", "/healthz", post],
      ["l1_hit", "/v1/chat/completions", post],
    ]) {
      const end = performance.now() + 1000;
      const cpuBefore = workerdCpuMs();
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (performance.now() < end) {
            await timed(base, path, init);
            throughput[name] += 1 / 3;
          }
        }),
      );
      cpuMs[name] += (workerdCpuMs() ?? Number.NaN) - (cpuBefore ?? Number.NaN);
    }
  }
  await mf.dispose();
  return {
    noop: summary(noop),
    noopPost: summary(noopPost),
    hit: summary(hit),
    ratio: quantile(hit, 0.5) / quantile(noop, 0.5),
    ratioPost: quantile(hit, 0.5) / quantile(noopPost, 0.5),
    throughput,
    cpuPerRequest: Object.fromEntries(
      Object.entries(cpuMs).map(([name, ms]) => [name, ms / (throughput[name] * 3)]),
    ),
  };
}

/** Exact hits served by one tier only: the others are left out of the write path and L1 is sized 0. */
async function tierHits(scriptPath, tier) {
  const config = tier === "l1" ? {} : { writeTiers: [tier], tiers: { l1: { maxBytes: 0 } } };
  const { mf, base } = await start(scriptPath, { R1CACHE_CONFIG: JSON.stringify(config) });
  const prompts = Array.from({ length: 20 }, (_, i) => `benchmark tier ${tier} prompt ${i}`);
  for (const p of prompts)
    await timed(base, "/v1/chat/completions", { method: "POST", headers: AUTH, body: chatBody(p) });
  const times = [];
  const rounds = Math.ceil(N / prompts.length / 2);
  for (let r = 0; r < rounds; r++) {
    for (const p of prompts) {
      const { ms, res } = await timed(base, "/v1/chat/completions", {
        method: "POST",
        headers: AUTH,
        body: chatBody(p),
      });
      const got = res.headers.get("x-r1cache-tier");
      if (got !== tier)
        throw new Error(`expected a hit from ${tier}, got ${res.headers.get("x-r1cache")} ${got}`);
      if (r > 0) times.push(ms);
    }
    progress(`hits from ${tier}`, r + 1, rounds);
  }
  await mf.dispose();
  return summary(times);
}

/** Misses against the simulator at its default 1500 ms latency, then the same prompts as hits. */
async function missVersusHit(scriptPath) {
  const { mf, base } = await start(scriptPath, { R1_SIMULATOR_LATENCY_MS: "1500" });
  const prompts = Array.from({ length: 8 }, (_, i) => `benchmark miss ${i}`);
  const miss = [];
  const hit = [];
  for (const [i, p] of prompts.entries()) {
    miss.push(
      (await timed(base, "/v1/chat/completions", { method: "POST", headers: AUTH, body: chatBody(p) })).ms,
    );
    progress("misses at 1500 ms", i + 1, prompts.length);
  }
  for (let r = 0; r < 10; r++) {
    for (const p of prompts)
      hit.push(
        (await timed(base, "/v1/chat/completions", { method: "POST", headers: AUTH, body: chatBody(p) })).ms,
      );
  }
  await mf.dispose();
  return { miss: summary(miss), hit: summary(hit), speedup: quantile(miss, 0.5) / quantile(hit, 0.5) };
}

/**
 * Semantic lookup with the offline encoder: what a verified paraphrase hit costs, and what the lookup
 * adds to a miss (embedding, index query and verification before the upstream call).
 */
async function semanticCosts(scriptPath) {
  const { embedderWorkerOptions } = await import("../embedder/build.mjs");
  const { mf, base } = await start(scriptPath, {}, { embedder: embedderWorkerOptions() });
  const ask = (prompt, headers = {}) =>
    timed(base, "/v1/chat/completions", {
      method: "POST",
      headers: { ...AUTH, ...headers },
      body: chatBody(prompt),
    });
  const topics = [
    "stop-loss orders",
    "order blocks",
    "fair value gaps",
    "the RSI indicator",
    "liquidity sweeps",
  ];
  const prompts = topics.flatMap((t) => [
    `How do ${t} work?`,
    `What are ${t} used for?`,
    `Explain ${t} to a beginner`,
  ]);
  await ask("warm up the encoder");
  const missOn = [];
  const missOff = [];
  for (const [i, p] of prompts.entries()) {
    missOn.push((await ask(p)).ms);
    missOff.push((await ask(`${p} (exact only)`, { "x-r1cache-semantic": "off" })).ms);
    progress("misses with and without semantic lookup", i + 1, prompts.length);
  }
  const hits = [];
  const exact = [];
  for (let round = 0; round < 3; round++) {
    for (const p of prompts) {
      const { ms, res } = await ask(`${p.replace(/\?$/, "")}, please?`, { "cache-control": "no-store" });
      if (res.headers.get("x-r1cache-match") === "semantic") hits.push(ms);
      exact.push((await ask(p)).ms);
    }
  }
  await mf.dispose();
  return {
    missOn: summary(missOn),
    missOff: summary(missOff),
    semanticHit: summary(hits),
    exactHit: summary(exact),
    paraphrasesServed: hits.length / (3 * prompts.length),
  };
}

function printL1VersusNoop(lv) {
  console.log(`\nL1 hit vs no-op (n=${N} each, interleaved)`);
  console.log(
    "| route | median ms | p90 ms | p99 ms | req/s at c=32 | workerd CPU ms/req |\n|---|---|---|---|---|---|",
  );
  const row = (label, s, name) =>
    console.log(
      `| ${label} | ${fmt(s.median)} | ${fmt(s.p90)} | ${fmt(s.p99)} | ${lv.throughput[name].toFixed(0)} | ${lv.cpuPerRequest[name].toFixed(3)} |`,
    );
  row("GET /healthz (no-op)", lv.noop, "noop");
  row("POST /healthz (no-op, reads the same body)", lv.noopPost, "noop_post");
  row("L1 hit", lv.hit, "l1_hit");
  console.log(
    `ratio of medians: L1 hit / GET no-op ${lv.ratio.toFixed(2)}x, L1 hit / POST no-op ${lv.ratioPost.toFixed(2)}x; ` +
      `marginal cost over POST no-op ${fmt(lv.hit.median - lv.noopPost.median)} ms ` +
      `(workerd CPU: ${(lv.cpuPerRequest.l1_hit - lv.cpuPerRequest.noop_post).toFixed(3)} ms)\n`,
  );
}

// BENCH_BUNDLE: an already bundled worker (e.g. of another commit, for an A/B run).
const scriptPath = process.env.BENCH_BUNDLE ?? bundle();
const results = { date: new Date().toISOString(), node: process.version, n: N };
results.l1VersusNoop = await l1VersusNoop(scriptPath);
if (ONLY === "l1") {
  printL1VersusNoop(results.l1VersusNoop);
  process.exit(0);
}
results.tiers = {};
for (const tier of ["l1", "l2", "l3", "l4"]) results.tiers[tier] = await tierHits(scriptPath, tier);
results.missVersusHit = await missVersusHit(scriptPath);
results.semantic = await semanticCosts(scriptPath);
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, "results.json"), JSON.stringify(results, null, 2));
writeFileSync(CHART, latencyChart(results));
console.log(`chart: ${CHART}`);

const { l1VersusNoop: lv, missVersusHit: mh } = results;
printL1VersusNoop(lv);
console.log("Exact hits per tier\n| tier | n | median ms | p90 ms | p99 ms |\n|---|---|---|---|---|");
for (const [tier, s] of Object.entries(results.tiers))
  console.log(`| ${tier} | ${s.n} | ${fmt(s.median)} | ${fmt(s.p90)} | ${fmt(s.p99)} |`);
console.log(`\nMiss vs hit, simulator at 1500 ms\n| | n | median ms | p90 ms |\n|---|---|---|---|`);
console.log(`| miss | ${mh.miss.n} | ${fmt(mh.miss.median)} | ${fmt(mh.miss.p90)} |`);
console.log(`| hit | ${mh.hit.n} | ${fmt(mh.hit.median)} | ${fmt(mh.hit.p90)} |`);
console.log(`speed-up of medians: ${mh.speedup.toFixed(0)}x`);

const sem = results.semantic;
console.log(
  "\nSemantic lookup (offline encoder in workerd, simulator at 0 ms)\n| | n | median ms | p90 ms |\n|---|---|---|---|",
);
console.log(
  `| miss, semantic lookup on | ${sem.missOn.n} | ${fmt(sem.missOn.median)} | ${fmt(sem.missOn.p90)} |`,
);
console.log(
  `| miss, semantic off | ${sem.missOff.n} | ${fmt(sem.missOff.median)} | ${fmt(sem.missOff.p90)} |`,
);
console.log(
  `| verified semantic hit | ${sem.semanticHit.n} | ${fmt(sem.semanticHit.median)} | ${fmt(sem.semanticHit.p90)} |`,
);
console.log(
  `| exact hit (same run) | ${sem.exactHit.n} | ${fmt(sem.exactHit.median)} | ${fmt(sem.exactHit.p90)} |`,
);
console.log(`paraphrases ("…, please?") served from the cache: ${(sem.paraphrasesServed * 100).toFixed(0)}%`);
