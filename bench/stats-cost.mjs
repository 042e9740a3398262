/**
 * What the statistics pipeline costs an L1 hit: `npm run bench:stats`. Three copies of the bundled
 * worker run side by side in one Miniflare (one workerd process; each copy has its own storage and its
 * own socket, so no router sits in front): `on` and `on-control` with the
 * default config, `off` with `R1CACHE_CONFIG={"statistics":false}` (no global statistics batch, no tuner
 * sample, no prefetch learning; src/config.ts). One stored prompt each, then rounds of one L1 hit per
 * worker, in an order that rotates every round so no worker always goes first; medians of the
 * sequential latencies, measured from Node around fetch(). `on-control` against `on` is the noise floor
 * of comparing two copies. Then concurrency 16 for 2 s per worker, in turns, three times: requests
 * per second and the CPU time workerd used per request during each worker's turns. Method and results:
 * BENCHMARKS.md, "Statistics on the hit path".
 */
import { performance } from "node:perf_hooks";
import { Miniflare } from "miniflare";
import {
  AUTH,
  bundle,
  chatBody,
  migrate,
  quantile,
  summary,
  timed,
  workerdCpuMs,
  workerOptions,
} from "./worker.mjs";

const N = Number(process.env.BENCH_N ?? 2000);
/** Rounds are cut in this many blocks, each block's ratio reported (stability within the run). */
const BLOCKS = 5;

/** CPU ms (user + system) the workerd processes of this Node process have used. */
const cpuMs = () => workerdCpuMs() ?? Number.NaN;

/** One Miniflare, one workerd process, a copy of the worker per variant with its own storage and socket. */
async function startWorkers(variants) {
  const mf = new Miniflare({
    port: 0,
    workers: variants.map(([name, config]) => ({
      ...workerOptions(scriptPath, name, config ? { R1CACHE_CONFIG: JSON.stringify(config) } : {}),
      kvNamespaces: { CACHE_KV: `kv-${name}` },
      d1Databases: { DB: `db-${name}` },
      r2Buckets: { ARCHIVE: `r2-${name}` },
      unsafeDirectSockets: [{ port: 0 }],
    })),
  });
  await mf.ready;
  const workers = [];
  for (const [name] of variants) {
    await migrate(mf, name);
    workers.push({ name, base: (await mf.unsafeGetDirectURL(name)).href.replace(/\/$/, "") });
  }
  return { mf, workers };
}

const scriptPath = process.env.BENCH_BUNDLE ?? bundle();
const { mf, workers } = await startWorkers([
  ["on", undefined],
  ["off", { statistics: false }],
  ["on-control", undefined],
]);
const post = { method: "POST", headers: AUTH, body: chatBody("benchmark: statistics on vs off") };
const hit = async (w) => {
  const { ms, res } = await timed(w.base, "/v1/chat/completions", post);
  if (res.headers.get("x-r1cache-tier") !== "l1") throw new Error(`${w.name}: expected an L1 hit`);
  return ms;
};
for (const w of workers) await timed(w.base, "/v1/chat/completions", post);
for (let i = 0; i < 200; i++) for (const w of workers) await hit(w);

const times = Object.fromEntries(workers.map((w) => [w.name, []]));
for (let i = 0; i < N; i++) {
  // Rotate the order: each worker goes first, second and third equally often.
  for (let j = 0; j < workers.length; j++) {
    const w = workers[(i + j) % workers.length];
    times[w.name].push(await hit(w));
  }
  if (i % 200 === 0) process.stderr.write(`\rrounds ${i}/${N}   `);
}
process.stderr.write("\n");

const ratio = (a, b) => quantile(a, 0.5) / quantile(b, 0.5);
/** The median of the per-round ratios: each round's pair saw the same moment of the machine. */
const pairedRatio = (a, b) =>
  quantile(
    times[a].map((x, i) => x / times[b][i]),
    0.5,
  );
const blockRatios = (a, b) =>
  Array.from({ length: BLOCKS }, (_, k) => {
    const from = Math.floor((k * N) / BLOCKS);
    const to = Math.floor(((k + 1) * N) / BLOCKS);
    return ratio(times[a].slice(from, to), times[b].slice(from, to));
  });

const throughput = Object.fromEntries(workers.map((w) => [w.name, 0]));
const cpu = Object.fromEntries(workers.map((w) => [w.name, 0]));
for (let turn = 0; turn < 3; turn++) {
  for (const w of workers) {
    const end = performance.now() + 2000;
    const before = cpuMs();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (performance.now() < end) {
          await hit(w);
          throughput[w.name] += 1;
        }
      }),
    );
    cpu[w.name] += cpuMs() - before;
  }
}
await mf.dispose();

const fmt = (x) => x.toFixed(3);
console.log(
  `\nL1 hit, statistics on vs off (n=${N} per worker, rotating order), ${new Date().toISOString()}`,
);
console.log(
  "| worker | median ms | p90 ms | p99 ms | req/s at c=16 | workerd CPU ms/req |\n|---|---|---|---|---|---|",
);
for (const w of workers) {
  const s = summary(times[w.name]);
  const reqs = throughput[w.name];
  console.log(
    `| ${w.name} | ${fmt(s.median)} | ${fmt(s.p90)} | ${fmt(s.p99)} | ${(reqs / 6).toFixed(0)} | ${fmt(cpu[w.name] / reqs)} |`,
  );
}
const pct = (r) => `${((r - 1) * 100).toFixed(1)}%`;
console.log(
  `on / off: ${fmt(ratio(times.on, times.off))} (${pct(ratio(times.on, times.off))}); ` +
    `on-control / off: ${fmt(ratio(times["on-control"], times.off))}; ` +
    `on / on-control (noise floor): ${fmt(ratio(times.on, times["on-control"]))}`,
);
console.log(
  `median of per-round ratios: on / off ${fmt(pairedRatio("on", "off"))}, ` +
    `on-control / off ${fmt(pairedRatio("on-control", "off"))}, on / on-control ${fmt(pairedRatio("on", "on-control"))}`,
);
console.log(`on / off per block of ${N / BLOCKS} rounds: ${blockRatios("on", "off").map(fmt).join(", ")}`);
console.log(
  `on-control / off per block: ${blockRatios("on-control", "off").map(fmt).join(", ")}; ` +
    `CPU per request on / off: ${fmt(cpu.on / throughput.on / (cpu.off / throughput.off))}`,
);
