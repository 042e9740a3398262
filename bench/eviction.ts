/**
 * Hit rate of each L1 eviction policy on Zipf traffic over real questions: `npm run bench:eviction`.
 * Method and results: BENCHMARKS.md ("Eviction policies").
 *
 * The L1 code itself (src/tiers/memory.ts with src/tiers/eviction.ts) runs in Node: this measures the
 * policies, not HTTP. Every request reads L1 and, on a miss, stores the answer, as the cache service
 * does. Entries are all the same size, so L1's byte budget holds exactly `capacity` entries.
 *
 * Data: ../shared/data/qqp-train.jsonl (outside the repo, never copied in). The universe of cached
 * questions is the distinct `a` and `b` texts of rows 0-9,999; the one-time scan draws from the
 * distinct questions of rows 10,000-14,999 not in the universe. Nothing else is read.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { EVICTION_POLICY_NAMES, type EvictionPolicyName } from "../src/tiers/eviction";
import { createMemoryTier } from "../src/tiers/memory";
import type { StoredEntry } from "../src/tiers/types";
import { random, shuffled, zipf } from "./traces";

const ROOT = new URL("..", import.meta.url).pathname;
const DATA = join(ROOT, "..", "shared", "data", "qqp-train.jsonl");
const UNIVERSE_ROWS = [0, 10_000] as const;
const SCAN_ROWS = [10_000, 15_000] as const;
/** What L1 charges per entry besides the body (ENTRY_OVERHEAD_BYTES in src/tiers/memory.ts). */
const OVERHEAD = 256;
const BODY_BYTES = 1024;

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "200000" },
    zipf: { type: "string", default: "0.9" },
    sizes: { type: "string", default: "0.01,0.05,0.1" },
    seed: { type: "string", default: "42" },
  },
});
const REQUESTS = Number(args.requests);
const SKEW = Number(args.zipf);

function loadQuestions() {
  const text = readFileSync(DATA, "utf8");
  const lines = text.split("\n").filter(Boolean);
  const questions = (from: number, to: number) =>
    lines.slice(from, to).flatMap((line) => {
      const row = JSON.parse(line) as { a: string; b: string };
      return [row.a, row.b];
    });
  const universe = [...new Set(questions(...UNIVERSE_ROWS))];
  const known = new Set(universe);
  const scan = [...new Set(questions(...SCAN_ROWS))].filter((q) => !known.has(q));
  const sha256 = createHash("sha256")
    .update(lines.slice(UNIVERSE_ROWS[0], SCAN_ROWS[1]).join("\n"))
    .digest("hex");
  return { universe, scan, sha256 };
}

interface Trace {
  name: string;
  what: string;
  requests: string[];
}

function traces(universe: string[], scanPool: string[], seed: number): Trace[] {
  const rand = random(seed);
  const hot = shuffled(universe, rand);
  const moved = shuffled(universe, rand);
  const draw = zipf(universe.length, SKEW, rand);
  const half = Math.floor(REQUESTS / 2);
  const stationary = Array.from({ length: REQUESTS }, () => hot[draw()] as string);
  const shift = Array.from({ length: REQUESTS }, (_, i) => (i < half ? hot : moved)[draw()] as string);
  // From half-way, every other request for 10% of the trace is a question asked once and never again.
  const scanLength = Math.min(scanPool.length, Math.floor(REQUESTS / 20));
  const scan: string[] = [];
  for (let i = 0, s = 0; scan.length < REQUESTS; i++) {
    const scanning = i >= half && s < scanLength && i % 2 === 0;
    scan.push(scanning ? (scanPool[s++] as string) : (hot[draw()] as string));
  }
  return [
    { name: "zipf", what: "stationary Zipf", requests: stationary },
    { name: "shift", what: "hot set reshuffled half-way", requests: shift },
    {
      name: "scan",
      what: `one-time scan of ${scanLength.toLocaleString("en")} questions half-way`,
      requests: scan,
    },
  ];
}

const entry = (): StoredEntry => ({
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
});

/** Replays a trace through an L1 holding `capacity` entries; hit rates overall and in the second half. */
async function replay(policy: EvictionPolicyName, capacity: number, requests: string[]) {
  const tier = createMemoryTier({
    maxBytes: capacity * (BODY_BYTES + OVERHEAD),
    ttlSeconds: 1e9,
    policy,
    now: () => 0,
  });
  const half = Math.floor(requests.length / 2);
  let hits = 0;
  let lateHits = 0;
  const started = performance.now();
  for (let i = 0; i < requests.length; i++) {
    const key = requests[i] as string;
    if (await tier.get(key)) {
      hits++;
      if (i >= half) lateHits++;
    } else {
      await tier.set(key, entry());
    }
  }
  const nsPerRequest = ((performance.now() - started) * 1e6) / requests.length;
  return { hit: hits / requests.length, late: lateHits / (requests.length - half), nsPerRequest };
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

async function main(): Promise<void> {
  const { universe, scan, sha256 } = loadQuestions();
  const sizes = (args.sizes ?? "").split(",").map((share) => Math.round(Number(share) * universe.length));
  console.log(
    `qqp-train.jsonl rows ${UNIVERSE_ROWS[0]}-${UNIVERSE_ROWS[1] - 1} (universe: ${universe.length} distinct ` +
      `questions), rows ${SCAN_ROWS[0]}-${SCAN_ROWS[1] - 1} (scan pool: ${scan.length}); sha256 of rows ` +
      `${UNIVERSE_ROWS[0]}-${SCAN_ROWS[1] - 1}: ${sha256}`,
  );
  console.log(
    `${REQUESTS} requests per trace, Zipf s = ${SKEW}, seed ${args.seed}, Node ${process.version}\n`,
  );
  console.log(
    `| trace | L1 entries | ${EVICTION_POLICY_NAMES.join(" | ")} | best | ${EVICTION_POLICY_NAMES.join(" | ")} (second half) |`,
  );
  console.log(
    `|---|---|${EVICTION_POLICY_NAMES.map(() => "---|").join("")}---|${EVICTION_POLICY_NAMES.map(() => "---|").join("")}`,
  );
  const speed = new Map<EvictionPolicyName, number[]>();
  for (const trace of traces(universe, scan, Number(args.seed))) {
    for (const capacity of sizes) {
      const results = [];
      for (const policy of EVICTION_POLICY_NAMES) {
        const result = await replay(policy, capacity, trace.requests);
        results.push(result);
        speed.set(policy, [...(speed.get(policy) ?? []), result.nsPerRequest]);
      }
      const best = EVICTION_POLICY_NAMES[results.indexOf(results.reduce((a, b) => (b.hit > a.hit ? b : a)))];
      console.log(
        `| ${trace.name} (${trace.what}) | ${capacity.toLocaleString("en")} | ${results.map((r) => pct(r.hit)).join(" | ")} | ${best} | ${results.map((r) => pct(r.late)).join(" | ")} |`,
      );
    }
  }
  console.log("\nMedian ns per request (L1 get + set on a miss, shared machine):");
  for (const [policy, ns] of speed) {
    const sorted = [...ns].sort((a, b) => a - b);
    console.log(`  ${policy}: ${Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0)}`);
  }
}

await main();
