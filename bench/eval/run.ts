/**
 * @module `npm run eval`: verified semantic matching measured on the path users get. Starts the worker
 * with `wrangler dev` as `npm run dev` does (embedder/ beside it, the R1 simulator, fresh local state)
 * and drives it over HTTP only: GPTCache's mock data, held-out QQP pairs and the trading near-miss set,
 * under each configuration of bench/eval/http/configs.ts. Markdown on stdout, progress on stderr, JSON in
 * .bench-out/semantic-eval.json. `--help` lists the options.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { DATA_DIR, type GptCachePair, loadGptCache } from "./data";
import { type Client, createClient } from "./http/client";
import { DEFAULT_CONFIG_NAMES, type EvalConfig, pickConfigs } from "./http/configs";
import { askParaphrases, type OriginStore, type StoredOrigins, storeOrigins } from "./http/gptcache";
import { startWorker } from "./http/launch";
import { loadPairFile, NEAR_MISS_FIXTURE } from "./http/pair-file";
import { askPairs, type PairSet, type StoredPairs, storePairs } from "./http/pairs";
import { parseRows, QQP_HELD_OUT, QQP_SAMPLE_EVERY, qqpPairSet } from "./http/qqp";
import * as report from "./http/report";

const HELP = `npm run eval -- [options]
  --configs a,b      configs from bench/eval/http/configs.ts, or "all" (default: ${DEFAULT_CONFIG_NAMES.join(",")})
  --sets a,b         gptcache, qqp, trading (default: all three)
  --qqp-file F       QQP jsonl in the data directory (default: ${QQP_HELD_OUT.file})
  --rows A-B         QQP rows, 0-based file order, both included (default: ${QQP_HELD_OUT.from}-${QQP_HELD_OUT.to}, held out)
  --every N          take every Nth row of the range (default: ${QQP_SAMPLE_EVERY})
  --full             every row of the range (same as --every 1)
  --pairs F.json     also evaluate a pair file shaped like ${NEAR_MISS_FIXTURE} (repeatable)
  --origins M        GPTCache origins stored "fresh" (Cache-Control: no-cache, one entry each; default)
                     or with "lookup" (as a plain client: near-copies become aliases of earlier ones)
  --concurrency N    requests in flight (default: 4)
  --out F            JSON report (default: .bench-out/semantic-eval.json)`;

/** Time for the last stores' background indexing (waitUntil) to land before the questions start. */
const SETTLE_MS = 2_000;

/** Set names key the report and the pairs' scopes: two files called `x.json` become `x` and `x-2`. */
function uniqueNames(sets: PairSet[]): PairSet[] {
  const seen = new Map<string, number>();
  return sets.map((set) => {
    const n = (seen.get(set.name) ?? 0) + 1;
    seen.set(set.name, n);
    return n === 1 ? set : { ...set, name: `${set.name}-${n}` };
  });
}

function cli() {
  const { values } = parseArgs({
    options: {
      configs: { type: "string", default: DEFAULT_CONFIG_NAMES.join(",") },
      sets: { type: "string", default: "gptcache,qqp,trading" },
      "qqp-file": { type: "string", default: QQP_HELD_OUT.file },
      rows: { type: "string", default: `${QQP_HELD_OUT.from}-${QQP_HELD_OUT.to}` },
      every: { type: "string", default: String(QQP_SAMPLE_EVERY) },
      full: { type: "boolean", default: false },
      pairs: { type: "string", multiple: true, default: [] },
      origins: { type: "string", default: "fresh" },
      concurrency: { type: "string", default: "4" },
      out: { type: "string", default: ".bench-out/semantic-eval.json" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const sets = new Set(values.sets.split(",").map((s) => s.trim()));
  if (values.origins !== "fresh" && values.origins !== "lookup")
    throw new Error("--origins: fresh or lookup");
  const every = values.full ? 1 : Number(values.every);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(every) || every < 1) throw new Error("--every must be a positive integer");
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error("--concurrency: a positive integer");
  return {
    configs: pickConfigs(values.configs),
    gptcache: sets.has("gptcache"),
    qqp: sets.has("qqp") ? qqpPairSet(values["qqp-file"], { ...parseRows(values.rows), every }) : undefined,
    pairSets: uniqueNames([
      ...(sets.has("trading") ? [loadPairFile(NEAR_MISS_FIXTURE)] : []),
      ...values.pairs.map(loadPairFile),
    ]),
    origins: values.origins as OriginStore,
    concurrency,
    out: values.out,
  };
}

type Options = ReturnType<typeof cli>;

/** Applies a config (defaults + patch, + templates) and checks the worker reports it. */
async function apply(client: Client, config: EvalConfig, templates: readonly string[] = []) {
  const patch = templates.length > 0 ? { ...config.patch, templates } : config.patch;
  await client.setConfig(patch);
  const effective = await client.config();
  for (const [field, value] of Object.entries(patch)) {
    if (JSON.stringify(effective[field]) !== JSON.stringify(value)) {
      throw new Error(`config ${config.name}: ${field} is ${JSON.stringify(effective[field])} after PATCH`);
    }
  }
  return effective;
}

/**
 * A failing embedder or index fails open in the worker (the lookup is skipped and counted): it would
 * look like misses here. Stop instead of reporting them.
 */
async function checkNoSemanticErrors(client: Client, config: EvalConfig): Promise<void> {
  const errors = (await client.stats()).semantic_errors;
  if (typeof errors === "number" && errors > 0) {
    throw new Error(
      `${errors} semantic lookup errors by the end of config ${config.name} (see /admin/stats)`,
    );
  }
}

/** Stores everything once (default config): stores do not depend on the config, questions do not store. */
async function storeAll(client: Client, options: Options, gpt: GptCachePair[], sets: PairSet[]) {
  await client.setConfig({});
  const origins = options.gptcache
    ? await storeOrigins(client, gpt, options.origins, options.concurrency)
    : undefined;
  const stored = new Map<string, StoredPairs>();
  for (const set of sets) stored.set(set.name, await storePairs(client, set, options.concurrency));
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  return { origins, stored };
}

async function evaluate(client: Client, options: Options, gpt: GptCachePair[], sets: PairSet[]) {
  const { origins, stored } = await storeAll(client, options, gpt, sets);
  const results: report.ConfigResult[] = [];
  for (const config of options.configs) {
    const result: report.ConfigResult = { config, effective: await apply(client, config), sets: {} };
    if (origins) {
      const label = `gptcache [${config.name}]: ask paraphrases`;
      result.gptcache = await askParaphrases(client, gpt, origins, options.concurrency, label);
    }
    for (const set of sets) {
      if (set.templates.length > 0) await apply(client, config, set.templates);
      const label = `${set.name} [${config.name}]: ask b`;
      const storedSet = stored.get(set.name) ?? new Map();
      result.sets[set.name] = await askPairs(client, set, storedSet, options.concurrency, label);
      if (set.templates.length > 0) await apply(client, config);
    }
    await checkNoSemanticErrors(client, config);
    results.push(result);
  }
  return { origins, results, stats: await client.stats() };
}

function print(
  options: Options,
  gpt: GptCachePair[],
  origins: StoredOrigins | undefined,
  results: report.ConfigResult[],
  seconds: number,
): void {
  console.log("# Verified semantic matching, measured through the worker (`npm run eval`)\n");
  console.log(
    `wrangler dev + embedder/ (USE lite), R1 simulator, fresh local state; ${seconds.toFixed(0)} s.\n`,
  );
  console.log(report.configTable(results));
  if (origins) {
    console.log(`\n## GPTCache mock data (${DATA_DIR}/gptcache-mock.json, ${gpt.length} pairs)\n`);
    console.log(report.gptCacheTable(results, origins));
    if (origins.answeredByEarlier.length > 0) {
      console.log(`\n${report.aliasedOriginsTable(results, origins, (i) => gpt[i]?.origin ?? "")}`);
    }
    const first = results[0];
    if (first?.gptcache) {
      console.log(`\n<details><summary>${first.config.name}: other wrong hits</summary>\n`);
      console.log(report.gptCacheWrongHits(first.gptcache, (i) => gpt[i]?.similar ?? ""));
      console.log("\n</details>");
    }
  }
  if (options.qqp) {
    console.log(`\n## QQP (${options.qqp.source}), one scope per pair\n`);
    console.log(report.qqpTable(results, options.qqp));
  }
  if (options.pairSets.length > 0) {
    console.log(`\n## Pair sets (${options.pairSets.map((s) => s.source).join(", ")}), one scope per pair\n`);
    console.log(report.pairSetTable(results, options.pairSets));
    for (const set of options.pairSets) console.log(`\n${report.pairSetDetails(results, set)}`);
  }
}

async function main(): Promise<void> {
  const options = cli();
  const gpt = options.gptcache ? loadGptCache() : [];
  const sets = [...(options.qqp ? [options.qqp] : []), ...options.pairSets];
  const started = Date.now();
  const worker = await startWorker();
  try {
    const client = createClient(worker.base);
    // The first question loads the encoder in embedder/ (about a second); keep it out of the rates.
    await client.ask("warm-up", { system: "r1cache-eval warm-up", cacheControl: "no-store" });
    const { origins, results, stats } = await evaluate(client, options, gpt, sets);
    const seconds = (Date.now() - started) / 1000;
    print(options, gpt, origins, results, seconds);
    const json = {
      ranAt: new Date(started).toISOString(),
      seconds,
      dataDir: DATA_DIR,
      origins: origins && {
        mode: origins.mode,
        distinct: origins.byText.size,
        statuses: origins.statuses,
        answeredByEarlier: origins.answeredByEarlier,
      },
      qqp: options.qqp?.source,
      pairSets: options.pairSets.map((s) => s.source),
      workerStats: stats,
      results: results.map((r) => ({ ...r, effective: report.semanticConfig(r.effective) })),
    };
    mkdirSync(path.dirname(options.out), { recursive: true });
    writeFileSync(options.out, JSON.stringify(json, null, 1));
    console.error(`wrote ${options.out}`);
  } finally {
    await worker.stop();
  }
}

await main();
