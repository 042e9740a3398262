/**
 * Past one machine, by simulation: `npm run scaling` (`node bench/scaling.mjs [--rps 10000,100000] [flags]`).
 * Replays Zipf-distributed traffic against the objects the design shards (coalescer Durable Objects, stats
 * shards, namespace vector shards, KV keys, the D1 database) and prints the hottest object's load against
 * its limit. With no flags it runs the design as it is, then with every fix; with flags, that one design.
 * The model and its assumptions: bench/scaling-sim.mjs and SCALING.md.
 */
import { performance } from "node:perf_hooks";
import { simulate } from "./scaling-sim.mjs";

const DEFAULTS = {
  rps: [10_000, 100_000],
  seconds: 60,
  keys: 4_000_000,
  s: 1.1,
  tenants: 1000,
  hotShare: 0.3,
  rpsPerIsolate: 25,
  pops: 200,
  upstreamS: 30,
  kvPropagationS: 60,
  ttlS: 7 * 86_400,
  seed: 1,
  warm: false,
  statsShards: 16,
  statsFlushS: 5,
  statsRouting: "key",
  hitStats: "d1",
  isolateJoin: false,
  coalescerFanout: 1,
  kvBackfillMinAgeS: 0,
  vectorPartitions: 1,
  vectorReplicas: 1,
  vectorOneRpc: false,
  d1Shards: 1,
  d1OffReadPath: false,
  d1Bodies: "row",
  d1QueryMs: 1,
  answerBytes: 10_000,
  gzipRatio: 0.4,
};

/** Every fix at once: what SCALING.md recommends. */
const FIXES = {
  isolateJoin: true,
  coalescerFanout: 64,
  statsRouting: "isolate",
  hitStats: "shards",
  kvBackfillMinAgeS: 60,
  vectorPartitions: 16,
  vectorReplicas: 32,
  vectorOneRpc: true,
  d1Shards: 64,
  d1OffReadPath: true,
  d1Bodies: "r2",
};

/** Platform limits (sources in SCALING.md). */
const DO_RPS = 1000; // soft limit per Durable Object
const DO_CPU_MS = 1000; // one thread: 1,000 ms of CPU per second
const KV_WRITES_PER_KEY = 1;
const D1_BYTES = 10e9;
/** VectorShard CPU per call, from BENCHMARKS.md ("Lexical candidates": the int8 scan grows 6.1 ms per 9,000 vectors). */
const SCAN_MS_PER_VECTOR = (13.64 - 7.55) / 9000;
const QUERY_BASE_MS = 0.3;
const LEXICAL_MS = 0.5;
const UPSERT_MS = 0.5;
/** A D1 row beside its body: key, namespace, model, prompt, checksum, integers and four indexes. */
const ROW_OVERHEAD_BYTES = 600;
const LOCAL_MAX_VECTORS = 50_000;

const toFlag = (name) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function parseArgs(argv) {
  const options = {};
  for (let a = 0; a < argv.length; a++) {
    const flag = argv[a];
    if (flag === "--help") return null;
    if (flag === "--all-fixes") Object.assign(options, FIXES);
    else {
      const name = Object.keys(DEFAULTS).find((k) => toFlag(k) === flag);
      if (!name) throw new Error(`unknown flag ${flag} (--help lists them)`);
      if (typeof DEFAULTS[name] === "boolean") options[name] = true;
      else {
        const value = argv[++a] ?? "";
        const kind = typeof DEFAULTS[name];
        options[name] =
          name === "rps" ? value.split(",").map(Number) : kind === "number" ? Number(value) : value;
      }
    }
  }
  return options;
}

const fmt = (n) => (n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(n >= 10 ? 1 : 2));

function maxOf(arr, seconds, width, limitTo = seconds) {
  let peak = 0;
  for (let i = 0; i < Math.min(seconds, limitTo) * width; i++) peak = Math.max(peak, arr[i]);
  return peak;
}

/**
 * The hottest namespace vector shard: RPCs/s and CPU ms/s per object after partitions and replicas. A
 * shard scans every vector of the query's context: warm, its steady-state count (capped); cold, those
 * stored so far.
 */
function vectorPeak(o, c, layout) {
  const K = o.vectorPartitions;
  const R = o.vectorReplicas;
  const stored = Float64Array.from({ length: o.tenants }, (_, j) => (o.warm ? layout.liveOf(j) : 0));
  let rpc = 0;
  let cpu = 0;
  for (let sec = 0; sec < o.seconds; sec++) {
    for (let j = 0; j < o.tenants; j++) {
      const q = c.vecQueries[sec * o.tenants + j] / R;
      const w = c.vecWrites[sec * o.tenants + j] / K;
      stored[j] += o.warm ? 0 : c.vecWrites[sec * o.tenants + j];
      const vectors = Math.min(LOCAL_MAX_VECTORS, stored[j]) / K;
      rpc = Math.max(rpc, (o.vectorOneRpc ? 1 : 2) * q + w);
      cpu = Math.max(cpu, q * (QUERY_BASE_MS + SCAN_MS_PER_VECTOR * vectors + LEXICAL_MS) + w * UPSERT_MS);
    }
  }
  return { rpc, cpu, vectors: Math.min(LOCAL_MAX_VECTORS, stored[0]) / K };
}

/** The busiest D1 database-second: reads + writes (+ hit-stat updates while they still go to D1). */
function d1Peak(o, c) {
  let peak = { total: 0, reads: 0, writes: 0, touch: 0 };
  for (let i = 0; i < o.seconds * o.d1Shards; i++) {
    const touch = o.hitStats === "d1" ? c.d1Touch[i] : 0;
    const total = c.d1Reads[i] + c.d1Writes[i] + touch;
    if (total > peak.total) peak = { total, reads: c.d1Reads[i], writes: c.d1Writes[i], touch };
  }
  return peak;
}

const row = (object, load, limit, unit, fix, note = "") => ({ object, load, limit, unit, fix, note });

/** One line per sharded object: its hottest load in the run against its limit. */
function rows(o, run) {
  const { counters: c, layout, isolates } = run;
  const vec = vectorPeak(o, c, layout);
  const d1 = d1Peak(o, c);
  const entryBytes = (o.d1Bodies === "r2" ? 0 : o.answerBytes * o.gzipRatio) + ROW_OVERHEAD_BYTES;
  const d1Size = (layout.live * entryBytes) / o.d1Shards;
  const fanout = o.coalescerFanout > 1 ? `, ${o.coalescerFanout} relays per key` : "";
  return [
    row(
      `coalescer DO, hottest key${fanout}`,
      c.peakCoalescer,
      DO_RPS,
      "req/s",
      "--isolate-join --coalescer-fanout 64",
      `${fmt(c.peakFollowers)} followers wait on one object`,
    ),
    row(
      `stats shard DO (${o.statsShards}, by ${o.statsRouting})`,
      maxOf(c.statsRpc, o.seconds, o.statsShards),
      DO_RPS,
      "req/s",
      "--stats-routing isolate",
      `${fmt(isolates)} isolates flush every ${o.statsFlushS} s`,
    ),
    row(
      `vector shard DO, hot tenant (${o.vectorPartitions}x${o.vectorReplicas})`,
      vec.rpc,
      DO_RPS,
      "req/s",
      "--vector-one-rpc --vector-partitions 16 --vector-replicas 32",
    ),
    row(
      "  same object, CPU",
      vec.cpu,
      DO_CPU_MS,
      "ms/s",
      "--vector-one-rpc --vector-partitions 16 --vector-replicas 32",
      `up to ${fmt(vec.vectors)} vectors scanned per query`,
    ),
    row("KV writes to one key", c.peakKvWrites, KV_WRITES_PER_KEY, "/s", "--kv-backfill-min-age-s 60"),
    row(
      `D1 queries, busiest of ${o.d1Shards} database(s)`,
      d1.total,
      1000 / o.d1QueryMs,
      "q/s",
      "--hit-stats shards --d1-off-read-path --d1-shards 64",
      `reads ${fmt(d1.reads)}, writes ${fmt(d1.writes)}, hit stats ${fmt(d1.touch)}`,
    ),
    row(
      "D1 size, steady state per database",
      d1Size / 1e9,
      D1_BYTES / 1e9,
      "GB",
      "--d1-bodies r2 --d1-shards 64",
      `${fmt(layout.live / 1e6)}M live entries x ${fmt(entryBytes)} B`,
    ),
  ];
}

function describe(o, run, ms) {
  const { counters: c, layout, isolates } = run;
  const hot = (100 * o.hotShare).toFixed(0);
  return [
    `${fmt(o.rps)} req/s for ${o.seconds} s: Zipf s=${o.s} over ${fmt(layout.totalKeys)} keys in ${fmt(o.tenants)} tenants (hot tenant ${hot}%), ${fmt(isolates)} isolates in ${o.pops} PoPs, R1 answers in ${o.upstreamS} s, ${o.warm ? "warm (steady state; the hottest entry expires at t=0)" : "cold (empty cache at t=0)"}, seed ${o.seed} (${fmt(ms)} ms)`,
    `hits ${((100 * c.hits) / c.requests).toFixed(1)}% (D1 back-fills ${fmt(c.l3Hits)}), lookups that missed ${((100 * c.lookups) / c.requests).toFixed(1)}%, joined an isolate's flight ${((100 * c.localJoins) / c.requests).toFixed(1)}%; upstream calls ${fmt(c.upstream / o.seconds)}/s (steady state ${fmt(layout.newPerSecond)}/s)`,
  ];
}

function printTable(lines, table) {
  for (const line of lines) console.log(line);
  const cells = table.map((r) => [
    r.object,
    `${fmt(r.load)} ${r.unit}`,
    `${fmt(r.limit)} ${r.unit}`,
    r.load <= r.limit ? "PASS" : "BREAKS",
    r.load <= r.limit ? r.note : `${r.note ? `${r.note}; ` : ""}fix: ${r.fix}`,
  ]);
  const head = ["object", "hottest load", "limit", "status", "why / fix"];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(" | ")} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const c of cells) console.log(line(c));
  console.log("");
}

function run(options, title) {
  for (const rps of options.rps) {
    const o = { ...options, rps };
    const start = performance.now();
    const result = simulate(o);
    const lines = [`## ${title}, ${fmt(rps)} req/s`, ...describe(o, result, performance.now() - start), ""];
    printTable(lines, rows(o, result));
  }
}

function help() {
  console.log("node bench/scaling.mjs [flags]   (no flags: the design as it is, then with --all-fixes)");
  for (const [name, value] of Object.entries(DEFAULTS)) console.log(`  ${toFlag(name)} (default ${value})`);
  console.log(
    `  --all-fixes = ${Object.entries(FIXES)
      .map(([k, v]) => `${toFlag(k)} ${v}`)
      .join(" ")}`,
  );
}

const args = parseArgs(process.argv.slice(2));
if (args === null) help();
else if (Object.keys(args).length > 0) run({ ...DEFAULTS, ...args }, "As configured");
else {
  run(DEFAULTS, "The design as it is");
  run({ ...DEFAULTS, ...FIXES }, "With every fix (--all-fixes)");
}
