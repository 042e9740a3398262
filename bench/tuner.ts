/**
 * The auto-tuner against fixed eviction policies: `npm run bench:tuner`. Method and results:
 * BENCHMARKS.md ("Auto-tuner").
 *
 * Each trace is replayed through L1's own code (`createMemoryTier`) once per fixed policy, and once with
 * the tuner's decision loop: L1 starts on `lru` (the default) and every `--every` new samples (the Tuner
 * object's own cadence, `EVALUATE_EVERY_SAMPLES`) the tuner's own functions (src/tuning/decide.ts:
 * `evaluate`, then `decide` with its hysteresis) judge the last `--window` sampled accesses; a decision switches the running L1's policy, as the config would. L1's
 * size is held fixed (`sizes: false`), so every column has the same memory. Sampling is the Worker's
 * (src/tuning/sample.ts: keys whose SHA-256 falls under the rate), at `--rate` (1 = every access).
 *
 * Data: ../shared/data/qqp-train.jsonl (outside the repo, never copied in): the distinct `a` and `b`
 * texts of rows 0-14,999, as in bench/eviction.ts. Nothing else is read.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { EVICTION_POLICY_NAMES, type EvictionPolicyName } from "../src/tiers/eviction";
import { createMemoryTier } from "../src/tiers/memory";
import type { StoredEntry } from "../src/tiers/types";
import {
  decide,
  EVALUATE_EVERY_SAMPLES,
  evaluate,
  MIN_WINDOW,
  type Pending,
  WINDOW as TUNER_WINDOW,
  type TunedSetting,
} from "../src/tuning/decide";
import { type AccessSample, isSampled } from "../src/tuning/sample";
import { random, shuffled, zipf } from "./traces";

const ROOT = new URL("..", import.meta.url).pathname;
const DATA = join(ROOT, "..", "shared", "data", "qqp-train.jsonl");
const ROWS = [0, 15_000] as const;
const OVERHEAD = 256;
const BODY_BYTES = 1024;

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "200000" },
    zipf: { type: "string", default: "0.9" },
    sizes: { type: "string", default: "200,1000" },
    every: { type: "string", default: String(EVALUATE_EVERY_SAMPLES) },
    window: { type: "string", default: String(TUNER_WINDOW) },
    rate: { type: "string", default: "1" },
    seed: { type: "string", default: "42" },
  },
});
const REQUESTS = Number(args.requests);
const EVERY = Number(args.every);
const WINDOW = Number(args.window);
const RATE = Number(args.rate);

/** Entry keys of the distinct questions (SHA-256 hex, like src/cache/key.ts), and the rows' checksum. */
function loadKeys() {
  const lines = readFileSync(DATA, "utf8")
    .split("\n")
    .filter(Boolean)
    .slice(...ROWS);
  const questions = new Set(
    lines.flatMap((line) => {
      const row = JSON.parse(line) as { a: string; b: string };
      return [row.a, row.b];
    }),
  );
  const keys = [...questions].map((q) => createHash("sha256").update(q).digest("hex"));
  return { keys, sha256: createHash("sha256").update(lines.join("\n")).digest("hex") };
}

/** Recency bursts: each new question is asked again 1 + Exp(4) times within the next `reach` requests. */
function bursts(pool: readonly string[], length: number, reach: number, rand: () => number): string[] {
  const out: Array<string | undefined> = new Array(length).fill(undefined);
  let next = 0;
  for (let i = 0; i < length; i++) {
    if (out[i] !== undefined) continue;
    const key = pool[next++ % pool.length] as string;
    out[i] = key;
    let j = i;
    const repeats = 1 + Math.floor(-Math.log(1 - rand()) * 4);
    for (let r = 0; r < repeats; r++) {
      j += 1 + Math.floor(rand() * reach);
      while (j < length && out[j] !== undefined) j++;
      if (j < length) out[j] = key;
    }
  }
  return out as string[];
}

interface Trace {
  name: string;
  requests: string[];
}

function traces(keys: string[], capacity: number, seed: number): Trace[] {
  const rand = random(seed);
  const hot = shuffled(keys, rand);
  const moved = shuffled(keys, rand);
  const fresh = shuffled(keys, rand);
  const draw = zipf(keys.length, Number(args.zipf), rand);
  const half = Math.floor(REQUESTS / 2);
  const zipfOf = (ranking: string[], n: number) => Array.from({ length: n }, () => ranking[draw()] as string);
  const burst = (n: number) => bursts(fresh, n, Math.floor(capacity * 0.8), rand);
  // A batch job re-asking a fixed list in order, half as long again as L1 holds.
  const loop = (n: number) =>
    Array.from({ length: n }, (_, i) => fresh[i % Math.floor(capacity * 1.5)] as string);
  return [
    { name: "zipf", requests: zipfOf(hot, REQUESTS) },
    { name: "shift", requests: [...zipfOf(hot, half), ...zipfOf(moved, REQUESTS - half)] },
    { name: "bursts", requests: burst(REQUESTS) },
    { name: "loop", requests: loop(REQUESTS) },
    { name: "zipf -> bursts", requests: [...zipfOf(hot, half), ...burst(REQUESTS - half)] },
    { name: "bursts -> loop", requests: [...burst(half), ...loop(REQUESTS - half)] },
  ];
}

const ENTRY: StoredEntry = {
  body: new Uint8Array(BODY_BYTES),
  meta: {
    codec: "none",
    checksum: "",
    size: BODY_BYTES,
    storedSize: BODY_BYTES,
    createdAt: 0,
    expiresAt: null,
    namespace: "bench",
  },
};

/** Replays `requests`; with `tune`, the tuner's loop switches the policy as it decides. */
async function replay(start: EvictionPolicyName, capacity: number, requests: string[], tune: boolean) {
  const maxBytes = capacity * (BODY_BYTES + OVERHEAD);
  const tier = createMemoryTier({ maxBytes, ttlSeconds: 1e9, policy: start, now: () => 0 });
  const window: AccessSample[] = [];
  let pending: Partial<Record<TunedSetting, Pending>> = {};
  const switches: string[] = [];
  let hits = 0;
  let evaluations = 0;
  let fresh = 0;
  let seen = 0;
  for (let i = 0; i < requests.length; i++) {
    const key = requests[i] as string;
    const hit = await tier.get(key);
    if (hit) hits++;
    else await tier.set(key, ENTRY);
    if (!tune) continue;
    if (!isSampled(key, RATE)) continue;
    window.push({ key, ns: "bench", size: hit ? BODY_BYTES : 0, at: i });
    fresh++;
    seen++;
    if (window.length > WINDOW) window.splice(0, window.length - WINDOW);
    // As the Tuner object does: the first evaluation as soon as the window holds MIN_WINDOW samples,
    // then one every EVERY new samples.
    const first = evaluations === 0 && window.length === MIN_WINDOW;
    if (!first && (fresh < EVERY || window.length < MIN_WINDOW)) continue;
    evaluations++;
    fresh = 0;
    const current = { evictionPolicy: tier.policy as EvictionPolicyName, l1MaxBytes: maxBytes };
    const evaluation = await evaluate(window, RATE, current, i, { sizes: false, seen });
    const step = decide(evaluation, current, pending);
    pending = step.pending;
    for (const d of step.decisions) {
      tier.setPolicy(d.to as EvictionPolicyName);
      switches.push(`${d.to}@${Math.round((i + 1) / 1000)}k`);
    }
  }
  return { hit: hits / requests.length, switches };
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

async function main(): Promise<void> {
  const { keys, sha256 } = loadKeys();
  console.log(
    `qqp-train.jsonl rows ${ROWS[0]}-${ROWS[1] - 1}: ${keys.length} distinct questions; sha256 of the rows: ${sha256}`,
  );
  console.log(
    `${REQUESTS} requests per trace, Zipf s = ${args.zipf}, seed ${args.seed}, evaluation every ${EVERY} ` +
      `new samples on the last ${WINDOW} samples, sample rate ${RATE}, Node ${process.version}\n`,
  );
  console.log(
    `| trace | L1 entries | ${EVICTION_POLICY_NAMES.join(" | ")} | tuner | tuner vs best fixed | switches |`,
  );
  console.log(`|---|---|${EVICTION_POLICY_NAMES.map(() => "---|").join("")}---|---|---|`);
  for (const capacity of (args.sizes ?? "").split(",").map(Number)) {
    for (const trace of traces(keys, capacity, Number(args.seed))) {
      const fixed = [];
      for (const policy of EVICTION_POLICY_NAMES)
        fixed.push((await replay(policy, capacity, trace.requests, false)).hit);
      const tuned = await replay("lru", capacity, trace.requests, true);
      const best = Math.max(...fixed);
      const gap = `${((tuned.hit - best) * 100).toFixed(2)} pt (${((100 * (tuned.hit - best)) / best).toFixed(1)}%)`;
      console.log(
        `| ${trace.name} | ${capacity.toLocaleString("en")} | ${fixed.map(pct).join(" | ")} | ${pct(tuned.hit)} | ${gap} | ${tuned.switches.join(", ") || "none"} |`,
      );
    }
  }
}

await main();
