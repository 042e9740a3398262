/**
 * @module Compares score models by 5-fold cross-validation on the QQP fitting rows (0-7,999) only.
 * Reads the embedding cache written by `npm run eval` (never embeds). Run: `npx tsx bench/eval/compare.ts`.
 */

import { ensembleProbability } from "../../src/semantic/verifier/score/boosted-trees";
import { FEATURE_NAMES, INCREASING_FEATURES } from "../../src/semantic/verifier/score/features";
import { fitBoosted } from "./boost";
import { curve, outOfFold, type Trainer } from "./cv";
import { isFitRow, loadQqp } from "./data";
import { cacheFile, readCache } from "./encoder";
import { buildIdf, fitRows } from "./fit-rows";
import { fitLogistic, predict } from "./logistic";

const OLD = [
  "similarity",
  "similarityAbove90",
  "wordJaccard",
  "contentJaccard",
  "unmatchedMin",
  "unmatchedMax",
  "trigramJaccard",
  "lengthRatio",
  "questionWordMismatch",
  "oneSidedNumbers",
  "oneSidedDates",
  "oneSidedIdentifiers",
  "oneSidedEntities",
  "similarityTimesContent",
];
const index = (names: readonly string[]): number[] => names.map((n) => FEATURE_NAMES.indexOf(n as never));
const pick = (x: readonly number[], idx: readonly number[]): number[] => idx.map((i) => x[i] ?? 0);

function logistic(cols: number[], lambda = 1e-3): Trainer {
  return (train) => {
    const m = fitLogistic(
      train.map((r) => pick(r.features, cols)),
      train.map((r) => r.pair.duplicate),
      { lambda },
    );
    return (r) => predict(m, pick(r.features, cols));
  };
}

function boosted(
  rounds: number,
  depth: number,
  lr: number,
  minLeaf: number,
  mono = true,
  drop: readonly string[] = [],
): Trainer {
  const cols = index(FEATURE_NAMES.filter((n) => !drop.includes(n)));
  const increasing = new Set(
    mono ? cols.flatMap((c, j) => (INCREASING_FEATURES.includes(FEATURE_NAMES[c] ?? "") ? [j] : [])) : [],
  );
  return (train) => {
    const m = fitBoosted(
      train.map((r) => pick(r.features, cols)),
      train.map((r) => r.pair.duplicate),
      { rounds, depth, learningRate: lr, minLeaf, lambda: 1, bins: 32, increasing },
    );
    return (r) => ensembleProbability(m, pick(r.features, cols));
  };
}

const ALIGN = ["unalignedIdfMin", "unalignedIdfMax", "idfCoverageMin", "idfCoverageMax"];
const ALL_WORDS = ["allWordsUnalignedIdfMin", "allWordsUnalignedIdfMax"];
const ALL = -1;

function average(a: Trainer, b: Trainer): Trainer {
  return (train) => {
    const ma = a(train);
    const mb = b(train);
    return (r) => (ma(r) + mb(r)) / 2;
  };
}

/** Name, trainer, and the lowest similarity of the rows it trains on (scored rows are always >= 0.8). */
const VARIANTS: [string, Trainer, number?][] = [
  ["logistic old 14", logistic(index(OLD))],
  ["logistic all", logistic(index(FEATURE_NAMES))],
  ["gbm d2 r200 lr.05", boosted(200, 2, 0.05, 20)],
  ["gbm d2 r200 lr.05 train all (shipped)", boosted(200, 2, 0.05, 20), ALL],
  ["gbm d2 train>=.5", boosted(200, 2, 0.05, 20), 0.5],
  ["gbm d2 train>=.7", boosted(200, 2, 0.05, 20), 0.7],
  ["gbm d3 r200 lr.05", boosted(200, 3, 0.05, 20)],
  ["gbm d3 r300 lr.05 train>=.7", boosted(300, 3, 0.05, 20), 0.7],
  ["gbm d3 r300 train all", boosted(300, 3, 0.05, 20), ALL],
  ["gbm d3 r400 lr.03", boosted(400, 3, 0.03, 30)],
  ["gbm d3 r200 lr.05 no-mono", boosted(200, 3, 0.05, 20, false)],
  ["gbm d2 r400 lr.025 train all", boosted(400, 2, 0.025, 20), ALL],
  ["gbm d2 r200 minLeaf50 train all", boosted(200, 2, 0.05, 50), ALL],
  [
    "avg gbm d2 + logistic all, train all",
    average(boosted(200, 2, 0.05, 20), logistic(index(FEATURE_NAMES))),
    ALL,
  ],
  ["gbm d2 -allwords", boosted(200, 2, 0.05, 20, true, ALL_WORDS)],
  ["gbm d2 -align -allwords", boosted(200, 2, 0.05, 20, true, [...ALIGN, ...ALL_WORDS])],
];

const pairs = loadQqp().filter((p) => isFitRow(p.row));
const vectors = readCache(cacheFile("use-lite-en-0.2.0"), 512);
const have = pairs.filter((p) => vectors.has(p.a) && vectors.has(p.b));
console.log(`fit rows with cached embeddings: ${have.length}/${pairs.length}`);
const idf = buildIdf(pairs);
console.log(`idf table: ${idf.table.length} chars over ${idf.documents} texts`);
const rows = fitRows(have, vectors, idf.lookup);
const budgets = [0.005, 0.01, 0.02, 0.05];
// Optional substring filter on variant names: `npx tsx bench/eval/compare.ts gbm`.
const only = process.argv[2];
for (const [name, trainer, trainGate] of VARIANTS) {
  if (only && !name.includes(only)) continue;
  const t0 = Date.now();
  const scores = outOfFold(rows, 0.8, trainer, trainGate ?? 0.8);
  console.log(`${name.padEnd(40)} ${curve(rows, scores, budgets)}  (${Date.now() - t0} ms)`);
}

// SHOW_NEGATIVES=n prints the n fitting non-duplicates the shipped setup scores highest (out-of-fold).
if (process.env.SHOW_NEGATIVES) {
  const scores = outOfFold(rows, 0.8, boosted(200, 2, 0.05, 20), ALL);
  const top = rows
    .map((r, i) => ({ r, s: scores[i] ?? -1 }))
    .filter((x) => !x.r.pair.duplicate)
    .sort((a, b) => b.s - a.s)
    .slice(0, Number(process.env.SHOW_NEGATIVES));
  for (const { r, s } of top)
    console.log(`${s.toFixed(3)} ${r.similarity.toFixed(3)} ${r.pair.a} | ${r.pair.b}`);
}
