/**
 * What the benchmarks share: the worker bundled as deployed, started in Miniflare driven directly (local
 * KV, D1, R2 and Durable Objects in workerd, D1 migrations applied), and timing from the Node side.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { Miniflare } from "miniflare";

export const ROOT = new URL("..", import.meta.url).pathname;
export const OUT = join(ROOT, ".bench-out");
export const AUTH = { authorization: "Bearer dev-key", "content-type": "application/json" };

/** Bundles the worker exactly as `wrangler deploy` would; returns the script path. */
export function bundle() {
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", join(OUT, "bundle")], {
    cwd: ROOT,
    stdio: "ignore",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true" },
  });
  return join(OUT, "bundle", "index.js");
}

function migrations() {
  const dir = join(ROOT, "migrations");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), "utf8").split("--> statement-breakpoint"))
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Starts the worker; with `embedder`, the offline encoder runs beside it as in `npm run dev`; with
 * `inspectorPort`, workerd's DevTools inspector listens there (for CPU profiles).
 */
export async function start(scriptPath, vars = {}, { embedder, inspectorPort } = {}) {
  const main = {
    ...workerOptions(scriptPath, "r1-edge-cache", vars),
    ...(embedder && { serviceBindings: { EMBEDDER: embedder.name } }),
  };
  const options = {
    port: 0,
    ...(inspectorPort && { inspectorPort }),
    workers: embedder ? [main, embedder] : [main],
  };
  const mf = new Miniflare(options);
  const url = await mf.ready;
  await migrate(mf);
  return { mf, base: url.href.replace(/\/$/, "") };
}

/** Applies the D1 migrations to the `DB` of worker `name` (the first worker when unset). */
export async function migrate(mf, name) {
  const db = await mf.getD1Database("DB", name);
  for (const statement of migrations()) await db.prepare(statement).run();
}

/** Miniflare's options for one copy of the bundled worker named `name`, with `vars` over the defaults. */
export function workerOptions(scriptPath, name, vars = {}) {
  return {
    name,
    scriptPath,
    // Module names are paths relative to this root; workerd refuses names that climb out of it with "..".
    modulesRoot: dirname(scriptPath),
    modules: true,
    compatibilityDate: "2026-04-20",
    compatibilityFlags: ["nodejs_compat"],
    kvNamespaces: ["CACHE_KV"],
    d1Databases: ["DB"],
    r2Buckets: ["ARCHIVE"],
    durableObjects: {
      VECTOR_SHARDS: { className: "VectorShard", useSQLite: true },
      COALESCER: { className: "Coalescer", useSQLite: true },
      STATS: { className: "StatsShard", useSQLite: true },
      TUNER: { className: "Tuner", useSQLite: true },
      PREFETCHER: { className: "Prefetcher", useSQLite: true },
      PREFETCH_BUDGET: { className: "PrefetchBudget", useSQLite: true },
    },
    bindings: { LOCAL_DEV: "1", R1_UPSTREAM: "simulator", R1_SIMULATOR_LATENCY_MS: "0", ...vars },
  };
}

export const chatBody = (prompt) =>
  JSON.stringify({ model: "deepseek-reasoner", messages: [{ role: "user", content: prompt }] });

/** One request, timed from Node around fetch() including reading the body. */
export async function timed(base, path, init) {
  const t0 = performance.now();
  const res = await fetch(base + path, init);
  await res.arrayBuffer();
  return { ms: performance.now() - t0, res };
}

export const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

export const summary = (xs) => ({
  n: xs.length,
  median: quantile(xs, 0.5),
  p90: quantile(xs, 0.9),
  p99: quantile(xs, 0.99),
});

/**
 * CPU time (ms, user + system) used so far by the workerd processes this Node process started, read
 * from /proc (Linux; null elsewhere). Unlike latency, it does not grow when other jobs share the cores.
 */
export function workerdCpuMs() {
  const TICK_MS = 10; // USER_HZ is 100 on Linux
  const stat = (pid) => readFileSync(`/proc/${pid}/stat`, "utf8");
  try {
    let total = 0;
    for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
      let fields;
      try {
        if (!readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("workerd")) continue;
        fields = stat(pid).split(") ")[1]?.split(" ");
      } catch {
        continue; // the process ended while we listed
      }
      if (fields?.[1] !== String(process.pid)) continue;
      total += (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    }
    return total;
  } catch {
    return null;
  }
}
