/**
 * What the lexical candidate source adds to a semantic lookup: `node bench/lexical.mjs`. Method and
 * results: BENCHMARKS.md ("Lexical candidates").
 *
 * The worker is bundled as deployed (`wrangler deploy --dry-run`) and run twice in one Miniflare,
 * sharing one VectorShard namespace: `cache` with the default config (3 vector + 3 lexical candidates)
 * and `cache-no-lexical` with `semanticLexicalCandidates: 0`. A bench driver (lexical-driver.mjs)
 * answers the EMBEDDER binding with the deterministic hasher and fills the namespace directly. Node
 * times `POST /v1/r1/search` (embed, vector query, lexical query, verify) on both, interleaved, around
 * fetch(): workerd's clocks do not advance during synchronous work.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { build } from "esbuild";
import { Miniflare } from "miniflare";

const ROOT = new URL("..", import.meta.url).pathname;
const OUT = join(ROOT, ".bench-out");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const SIZES = (process.env.BENCH_SIZES ?? "1000,10000").split(",").map(Number);
const NAMESPACE = "dev"; // the namespace of the local `dev-key`
const AUTH = { authorization: "Bearer dev-key", "content-type": "application/json" };
const RUNTIME = { modules: true, compatibilityDate: "2026-04-20", compatibilityFlags: ["nodejs_compat"] };

const TOPICS = (
  "order blocks,fair value gaps,liquidity sweeps,RSI divergence,MACD crossovers,Fibonacci retracements," +
  "support and resistance,moving averages,Bollinger bands,stop-loss placement,position sizing," +
  "risk management,breaker blocks,market structure,supply and demand zones,Wyckoff accumulation," +
  "Elliott waves,candlestick patterns,head and shoulders,double tops,volume profile,VWAP,ATR stops," +
  "trend lines,price action,scalping,swing trading,day trading,options spreads,covered calls," +
  "implied volatility,delta hedging,futures rollover,funding rates,leverage,margin calls,drawdowns," +
  "the Sharpe ratio,backtesting,overfitting,mean reversion,momentum,arbitrage,market makers,order flow," +
  "the bid-ask spread,slippage,dark pools,the Ichimoku cloud,pivot points"
).split(",");
const TEMPLATES = [
  (t) => `What are ${t}?`,
  (t) => `Explain ${t} in trading`,
  (t) => `How do I use ${t} on the daily chart?`,
  (t) => `O que são ${t}?`,
  (t) => `Explique ${t} no trading`,
  (t) => `Como usar ${t} no gráfico de 4 horas?`,
  (t) => `Is ${t} useful for crypto?`,
  (t) => `Quais os erros comuns com ${t}?`,
  (t) => `Give me an example of ${t} in forex`,
  (t) => `Vale a pena estudar ${t}?`,
];
const QUALIFIERS = ["", " for beginners", " no mercado brasileiro", " with an example", " para iniciantes"];
const QUALIFIERS_2 = ["", " on EUR/USD", " em ações da B3", " step by step", " na prática"];

/** The i-th stored question: 10 templates x 50 topics x 25 qualifier pairs = 12,500 distinct. */
function question(i) {
  const t = TOPICS[i % TOPICS.length];
  const template = TEMPLATES[Math.floor(i / TOPICS.length) % TEMPLATES.length];
  const rest = Math.floor(i / (TOPICS.length * TEMPLATES.length));
  return `${template(t)}${QUALIFIERS[rest % 5]}${QUALIFIERS_2[Math.floor(rest / 5) % 5]}`;
}
/** Lookups: paraphrases in wordings no stored question uses. */
const QUERIES = TOPICS.flatMap((t) => [`Me explica ${t} de forma simples`, `Can you describe ${t} briefly?`]);

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const summary = (xs) => ({ n: xs.length, median: quantile(xs, 0.5), p90: quantile(xs, 0.9) });
const fmt = (x) => x.toFixed(2);

async function bundles() {
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", join(OUT, "bundle")], {
    cwd: ROOT,
    stdio: "ignore",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true" },
  });
  const driver = join(OUT, "lexical-driver.js");
  await build({
    entryPoints: [join(ROOT, "bench/lexical-driver.mjs")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    external: ["cloudflare:*"],
    outfile: driver,
    logLevel: "error",
  });
  return { cache: join(OUT, "bundle", "index.js"), driver };
}

async function start(paths) {
  const shards = { VECTOR_SHARDS: { className: "VectorShard", scriptName: "cache", useSQLite: true } };
  const cache = (name, vars) => ({
    ...RUNTIME,
    name,
    scriptPath: paths.cache,
    kvNamespaces: ["CACHE_KV"],
    d1Databases: ["DB"],
    r2Buckets: ["ARCHIVE"],
    durableObjects: shards,
    bindings: { LOCAL_DEV: "1", R1_UPSTREAM: "simulator", R1_SIMULATOR_LATENCY_MS: "0", ...vars },
    serviceBindings: { EMBEDDER: { name: "driver", entrypoint: "Encoder" } },
  });
  const mf = new Miniflare({
    port: 0,
    workers: [
      cache("cache", {}),
      cache("cache-no-lexical", { R1CACHE_CONFIG: JSON.stringify({ semanticLexicalCandidates: 0 }) }),
      { ...RUNTIME, name: "driver", scriptPath: paths.driver, durableObjects: shards },
    ],
  });
  await mf.ready;
  return {
    mf,
    workers: Object.fromEntries(
      await Promise.all(["cache", "cache-no-lexical", "driver"].map(async (n) => [n, await mf.getWorker(n)])),
    ),
  };
}

async function timed(worker, path, body, headers = AUTH) {
  const t0 = performance.now();
  const res = await worker.fetch(`http://bench${path}`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text}`);
  return { ms, json: JSON.parse(text) };
}

/** Search latency with and without lexical candidates, interleaved, after filling to `size`. */
async function measure(workers, size) {
  const on = [];
  const off = [];
  const added = [];
  let lexicalOnly = 0;
  const search = (name, prompt) => timed(workers[name], "/v1/r1/search", { prompt, k: 3 });
  for (let r = -30; r < ROUNDS; r++) {
    const prompt = QUERIES[(r + 30) % QUERIES.length];
    const order = r % 2 === 0 ? ["cache", "cache-no-lexical"] : ["cache-no-lexical", "cache"];
    const got = {};
    for (const name of order) got[name] = await search(name, prompt);
    if (r < 0) continue;
    on.push(got.cache.ms);
    off.push(got["cache-no-lexical"].ms);
    added.push(got.cache.ms - got["cache-no-lexical"].ms);
    lexicalOnly += got.cache.json.matches.filter((m) => m.source === "lexical").length;
  }
  const shard = { query: [], lexical: [] };
  for (let r = -30; r < ROUNDS; r++) {
    const text = QUERIES[(r + 30) % QUERIES.length];
    for (const op of r % 2 === 0 ? ["query", "lexical"] : ["lexical", "query"]) {
      const { ms } = await timed(workers.driver, "/probe", { namespace: NAMESPACE, op, text }, {});
      if (r >= 0) shard[op].push(ms);
    }
  }
  return {
    size,
    on: summary(on),
    off: summary(off),
    added: summary(added),
    lexicalOnlyPerLookup: lexicalOnly / ROUNDS,
    shardQuery: summary(shard.query),
    shardLexical: summary(shard.lexical),
  };
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const { mf, workers } = await start(await bundles());
  const results = [];
  let filled = 0;
  for (const size of SIZES) {
    for (let from = filled; from < size; from += 2000) {
      const questions = Array.from({ length: Math.min(2000, size - from) }, (_, i) => question(from + i));
      const body = { namespace: NAMESPACE, questions, firstCreatedAt: from + 1 };
      await timed(workers.driver, "/fill", body, {});
    }
    filled = size;
    process.stderr.write(`measuring at ${size} entries\n`);
    results.push(await measure(workers, size));
  }
  await mf.dispose();
  writeFileSync(join(OUT, "lexical.json"), JSON.stringify(results, null, 2));
  console.log(
    "| entries | search, lexical on (median ms) | lexical off | added (median of paired differences) | p90 added | lexical-only candidates per lookup | shard: vector query | shard: lexical query |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    console.log(
      `| ${r.size} | ${fmt(r.on.median)} | ${fmt(r.off.median)} | ${fmt(r.added.median)} | ${fmt(r.added.p90)} | ${r.lexicalOnlyPerLookup.toFixed(1)} | ${fmt(r.shardQuery.median)} | ${fmt(r.shardLexical.median)} |`,
    );
  }
}

await main();
