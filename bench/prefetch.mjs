/**
 * Prefetch on a trace with sequential structure: `npm run bench:prefetch`. The bundled worker runs in
 * Miniflare, once per budget (`prefetchPerHour`), against the same seeded trace in real time: virtual
 * users each walk conversation flows of three questions (the `a` texts of ../shared/data/qqp-train.jsonl
 * rows 0-599, three consecutive rows per flow, 200 flows drawn by Zipf popularity), going on to the next
 * step with probability 0.85 after a think time of 6-9 s; one session in five is a single one-off
 * question (rows 600-2599) instead. Answers live `defaultTtlSeconds` = 30 s (time-sensitive prompts), so
 * a successor asked again is often expired: what prefetch can bring back. The simulator answers in
 * 1,000 ms. Each user sends `x-r1cache-session: user-<u>`, except in the `-nosession` run, where
 * the users' lookups interleave in one namespace. Reports hit rate (all requests, and the 2nd and 3rd steps of flows), client misses,
 * upstream calls and prefetch precision per budget. Method and results: BENCHMARKS.md, "Prefetch".
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { mulberry32 } from "./scaling-sim.mjs";
import { AUTH, bundle, chatBody, ROOT, start } from "./worker.mjs";

const DATA = join(ROOT, "..", "shared", "data", "qqp-train.jsonl");
/** `N` runs with `x-r1cache-session: user-<u>` on every request, `N-nosession` without it. */
const RUNS = (process.env.BENCH_RUNS ?? "0,10,50,1000,1000-nosession").split(",").map((run) => ({
  budget: Number.parseInt(run, 10),
  sessions: !run.endsWith("-nosession"),
}));
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 120) * 1000;
const USERS = Number(process.env.BENCH_USERS ?? 40);
const SEED = 42;
const FLOWS = 200;
const STEPS = 3;
const CONTINUE = 0.85;
const ONE_OFF = 0.2;

const raw = readFileSync(DATA, "utf8").split("\n").slice(0, 2600);
const questions = raw.map((line) => JSON.parse(line).a);
const flows = Array.from({ length: FLOWS }, (_, f) => questions.slice(f * STEPS, f * STEPS + STEPS));
const oneOffs = questions.slice(FLOWS * STEPS);
const rowsHash = createHash("sha256").update(raw.join("\n")).digest("hex");

/** Ranks 0..n-1 with P(k) proportional to 1 / (k + 1)^skew. */
function zipf(n, skew, rand) {
  const cdf = [];
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += 1 / (k + 1) ** skew;
    cdf.push(sum);
  }
  return () => {
    const u = rand() * sum;
    const k = cdf.findIndex((c) => c >= u);
    return k === -1 ? n - 1 : k;
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(scriptPath, { budget, sessions }) {
  const config = { defaultTtlSeconds: 30, prefetchPerHour: budget, prefetchMinCount: 2, semantic: false };
  const { mf, base } = await start(scriptPath, {
    R1CACHE_CONFIG: JSON.stringify(config),
    R1_SIMULATOR_LATENCY_MS: "1000",
  });
  const counts = { requests: 0, hits: 0, successorRequests: 0, successorHits: 0, oneOffs: 0 };
  const ask = async (user, prompt, successor) => {
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: sessions ? { ...AUTH, "x-r1cache-session": `user-${user}` } : AUTH,
      body: chatBody(prompt),
    });
    await res.arrayBuffer();
    const hit = res.headers.get("x-r1cache") === "HIT";
    counts.requests++;
    counts.hits += hit ? 1 : 0;
    if (successor) {
      counts.successorRequests++;
      counts.successorHits += hit ? 1 : 0;
    }
  };
  const end = Date.now() + DURATION_MS;
  const user = async (u) => {
    const rand = mulberry32(SEED * 1000 + u);
    const flowOf = zipf(FLOWS, 1, rand);
    const think = () => 6000 + rand() * 3000;
    await sleep(rand() * 9000);
    while (Date.now() < end) {
      if (rand() < ONE_OFF) {
        counts.oneOffs++;
        await ask(u, oneOffs[Math.floor(rand() * oneOffs.length)], false);
        await sleep(think());
        continue;
      }
      const flow = flows[flowOf()];
      for (let step = 0; step < STEPS && Date.now() < end; step++) {
        if (step > 0 && rand() > CONTINUE) break;
        await ask(u, flow[step], step > 0);
        await sleep(think());
      }
    }
  };
  await Promise.all(Array.from({ length: USERS }, (_, u) => user(u)));
  // Let the last flush and its prefetches finish before reading the counts.
  await sleep(6000);
  // One more request runs the isolate's flush (it is counted below as the one extra upstream call).
  await fetch(`${base}/v1/chat/completions`, { method: "POST", headers: AUTH, body: chatBody("flush") });
  await sleep(2000);
  const stats = await (
    await fetch(`${base}/admin/stats`, { headers: { authorization: "Bearer dev-admin" } })
  ).json();
  await mf.dispose();
  return { budget, sessions, ...counts, upstreamCalls: stats.upstream_calls - 1, prefetch: stats.prefetch };
}

const scriptPath = process.env.BENCH_BUNDLE ?? bundle();
const results = [];
for (const spec of RUNS) {
  process.stderr.write(`budget ${spec.budget}/h, sessions ${spec.sessions}: ${DURATION_MS / 1000} s...\n`);
  results.push(await run(scriptPath, spec));
}

const pct = (x) => `${(x * 100).toFixed(1)}%`;
console.log(
  `\nPrefetch, ${USERS} users for ${DURATION_MS / 1000} s per budget, seed ${SEED}, ${new Date().toISOString()}`,
);
console.log(`data: qqp-train.jsonl rows 0-2599 (sha256 of the rows ${rowsHash})`);
console.log(
  "| prefetchPerHour | session header | requests | hit rate | hit rate, steps 2-3 | client misses | upstream calls | prefetched | prefetched later hit | precision |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
const base = results[0];
for (const r of results) {
  const gain =
    r === base ? "" : ` (${((r.hits / r.requests - base.hits / base.requests) * 100).toFixed(1)} pt)`;
  console.log(
    `| ${r.budget} | ${r.sessions ? "yes" : "no"} | ${r.requests} | ${pct(r.hits / r.requests)}${gain} | ${pct(r.successorHits / r.successorRequests)} | ${r.requests - r.hits} | ${r.upstreamCalls} | ${r.prefetch?.prefetched ?? "-"} | ${r.prefetch?.hits ?? "-"} | ${r.prefetch?.precision === null || r.prefetch?.precision === undefined ? "-" : pct(r.prefetch.precision)} |`,
  );
}
