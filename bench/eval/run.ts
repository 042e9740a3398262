/**
 * @module `npm run eval`: the verifier with the bundled offline encoder on GPTCache's mock data, QQP
 * (all rows and held-out rows 8,000-11,999) and our near-miss set. Prints markdown tables to stdout
 * and writes the numbers to .bench-out/semantic-eval.json.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { createTemplateRegistry } from "../../src/semantic/templates";
import { cosine } from "../../src/semantic/vectors/math";
import { STRICT_MIN_SCORE } from "../../src/semantic/verifier/model/weights";
import { DEFAULT_MIN_SCORE, DEFAULT_THRESHOLD } from "../../src/semantic/verifier/verify";
import { loadGptCache, loadQqp } from "./data";
import { createUseEmbedder, embedCached } from "./encoder";
import { runGptCache } from "./gptcache";
import { loadNearMisses } from "./near-miss";
import { bestRecallAt, cosineTable, rates, verifierTable } from "./qqp";
import { markdownTable, pct } from "./table";
import { accepts, scorePairs, type Verdict } from "./verdicts";

const COSINE_STEPS = [0.7, 0.75, 0.8, 0.85, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99];
const SCORE_STEPS = [0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.925, 0.95, 0.97];

async function main(): Promise<void> {
  const embedder = await createUseEmbedder();
  const gpt = loadGptCache();
  const qqp = loadQqp();
  const fixture = loadNearMisses();
  const templates = createTemplateRegistry(fixture.templates);
  const texts = [
    ...gpt.flatMap((p) => [p.origin, p.similar]),
    ...qqp.flatMap((p) => [p.a, p.b]),
    ...fixture.nearMisses.flatMap((p) => [p.a, p.b]),
    ...fixture.paraphrases.flatMap((p) => [p.a, p.b]),
  ];
  const vectors = await embedCached(embedder, texts, "eval texts");
  const out: Record<string, unknown> = {
    threshold: DEFAULT_THRESHOLD,
    minScore: DEFAULT_MIN_SCORE,
    strictMinScore: STRICT_MIN_SCORE,
  };

  console.log(`# Semantic verifier evaluation (encoder ${embedder.model})\n`);
  console.log(
    `Presets: default = similarity >= ${DEFAULT_THRESHOLD}, minScore ${DEFAULT_MIN_SCORE}; ` +
      `strict = minScore ${STRICT_MIN_SCORE} (fitted on QQP rows 0-7,999).\n`,
  );
  out.gptcache = reportGptCache(gpt, vectors);
  const qqpVerdicts = scorePairs(
    qqp.map((p) => [p.a, p.b] as const),
    vectors,
  );
  out.qqp = reportQqp(qqp, qqpVerdicts);
  out.nearMiss = reportNearMisses(fixture, templates, vectors);
  mkdirSync(".bench-out", { recursive: true });
  writeFileSync(".bench-out/semantic-eval.json", JSON.stringify(out, null, 2));
}

function reportGptCache(
  gpt: ReturnType<typeof loadGptCache>,
  vectors: ReadonlyMap<string, Float32Array>,
): unknown {
  const rows: (string | number)[][] = [];
  const results: Record<string, unknown>[] = [];
  const add = (label: string, threshold: number, k: number, minScore: number | null, best = false): void => {
    const verify = minScore !== null;
    const pick = best ? "best" : "first";
    const r = runGptCache(gpt, vectors, { threshold, k, verify, minScore: minScore ?? 0, pick });
    // Wrong hits whose served origin is itself a near-copy of the expected one (duplicate origins).
    const nearCopies = r.wrongHits.filter((w) => {
      const a = vectors.get(w.served);
      const b = vectors.get(w.expected);
      return a && b && cosine(a, b) >= 0.9;
    }).length;
    const score = verify ? (minScore ?? 0).toFixed(3) : "-";
    rows.push([label, threshold.toFixed(2), score, k, r.correct, r.wrong, r.miss, nearCopies]);
    results.push({
      label,
      threshold,
      minScore,
      k,
      correct: r.correct,
      wrong: r.wrong,
      miss: r.miss,
      nearCopies,
    });
  };
  for (const t of [0.8, 0.9, 0.95]) add("raw cosine", t, 1, null);
  for (const t of [0.75, 0.8, 0.85, 0.9]) add("hard conflicts only", t, 1, 0);
  for (const t of [0.75, 0.8, 0.85, 0.9]) add("verifier default", t, 1, DEFAULT_MIN_SCORE);
  for (const t of [0.8, 0.85]) add("verifier default, top-5", t, 5, DEFAULT_MIN_SCORE);
  add("verifier default, top-5, highest score served", 0.8, 5, DEFAULT_MIN_SCORE, true);
  for (const t of [0.8, 0.9]) add("verifier strict", t, 1, STRICT_MIN_SCORE);
  console.log("## GPTCache mock data (999 queries; store origins, query paraphrases)\n");
  const header = [
    "rule",
    "threshold",
    "minScore",
    "k",
    "correct",
    "wrong",
    "miss",
    "wrong: origin near-copy",
  ];
  console.log(markdownTable(header, rows));
  console.log("\nGPTCache published: 0.95 -> 425/25/549; 0.90 -> 804/77/118; 0.80 -> 904/92/3.\n");
  return results;
}

function reportQqp(qqp: ReturnType<typeof loadQqp>, verdicts: Verdict[]): unknown {
  console.log("## QQP (12,000 pairs; fit rows 0-7,999, held-out rows 8,000-11,999)\n");
  console.log("### Raw cosine\n");
  console.log(cosineTable(qqp, verdicts, COSINE_STEPS));
  const steps = [...new Set([...SCORE_STEPS, DEFAULT_MIN_SCORE, STRICT_MIN_SCORE])].sort((a, b) => a - b);
  for (const t of [0.7, DEFAULT_THRESHOLD]) {
    console.log(`\n### Verifier, similarity >= ${t}\n`);
    console.log(verifierTable(qqp, verdicts, t, steps));
  }
  const cosineRules = Array.from({ length: 300 }, (_, i) => (v: Verdict) => v.similarity >= 0.7 + i * 0.001);
  const conflictsOnly = Array.from(
    { length: 300 },
    (_, i) => (v: Verdict) => v.similarity >= 0.7 + i * 0.001 && v.conflict === null,
  );
  const summary = {
    cosineAt1: bestRecallAt(qqp, verdicts, "held-out", cosineRules, 0.01),
    conflictsOnlyAt1: bestRecallAt(qqp, verdicts, "held-out", conflictsOnly, 0.01),
    defaultHeldOut: rates(qqp, verdicts, "held-out", (v) => accepts(v, DEFAULT_THRESHOLD, DEFAULT_MIN_SCORE)),
    strictHeldOut: rates(qqp, verdicts, "held-out", (v) => accepts(v, DEFAULT_THRESHOLD, STRICT_MIN_SCORE)),
    strictAll: rates(qqp, verdicts, "all", (v) => accepts(v, DEFAULT_THRESHOLD, STRICT_MIN_SCORE)),
  };
  const rows = [
    [
      "raw cosine, best threshold with FHR <= 1% (picked on held-out: optimistic)",
      pct(summary.cosineAt1.fhr),
      pct(summary.cosineAt1.recall, 1),
    ],
    [
      "cosine + hard conflicts, best threshold (picked on held-out: optimistic)",
      pct(summary.conflictsOnlyAt1.fhr),
      pct(summary.conflictsOnlyAt1.recall, 1),
    ],
    [
      "verifier default preset (held-out rows)",
      pct(summary.defaultHeldOut.fhr),
      pct(summary.defaultHeldOut.recall, 1),
    ],
    [
      "verifier strict preset (held-out rows)",
      pct(summary.strictHeldOut.fhr),
      pct(summary.strictHeldOut.recall, 1),
    ],
    ["verifier strict preset (all rows)", pct(summary.strictAll.fhr), pct(summary.strictAll.recall, 1)],
  ];
  console.log("\n### Summary\n");
  console.log(markdownTable(["rule", "FHR", "recall"], rows));
  return summary;
}

function reportNearMisses(
  fixture: ReturnType<typeof loadNearMisses>,
  templates: ReturnType<typeof createTemplateRegistry>,
  vectors: ReadonlyMap<string, Float32Array>,
): unknown {
  const pairsOf = (list: readonly { a: string; b: string }[]) => list.map((p) => [p.a, p.b] as const);
  const near = scorePairs(pairsOf(fixture.nearMisses), vectors, { templates });
  const para = scorePairs(pairsOf(fixture.paraphrases), vectors, { templates });
  const hit = (v: Verdict): boolean => accepts(v, DEFAULT_THRESHOLD, DEFAULT_MIN_SCORE);
  const strictHit = (v: Verdict): boolean => accepts(v, DEFAULT_THRESHOLD, STRICT_MIN_SCORE);
  const falseHits = near.filter(hit).length;
  const strictFalse = near.filter(strictHit).length;
  const rawFalse = near.filter((v) => v.similarity >= DEFAULT_THRESHOLD).length;
  const accepted = para.filter(hit).length;
  const strictAccepted = para.filter(strictHit).length;
  const rawAccepted = para.filter((v) => v.similarity >= DEFAULT_THRESHOLD).length;
  console.log(`\n## Near-miss set (test/fixtures/near-misses.json)\n`);
  console.log(
    markdownTable(
      [
        "set",
        "pairs",
        `raw cosine >= ${DEFAULT_THRESHOLD} hits`,
        "verifier default hits",
        "verifier strict hits",
      ],
      [
        ["near-misses (must miss)", near.length, rawFalse, falseHits, strictFalse],
        ["paraphrases (should hit)", para.length, rawAccepted, accepted, strictAccepted],
      ],
    ),
  );
  const detail = fixture.nearMisses.map((p, i) => [
    p.kind,
    p.lang,
    p.a,
    p.b,
    near[i]?.similarity.toFixed(3) ?? "",
    near[i]?.reason ?? "",
  ]);
  console.log(
    `\n<details><summary>near-miss verdicts</summary>\n\n${markdownTable(["kind", "lang", "a", "b", "cos", "reason"], detail)}\n</details>`,
  );
  const missed = fixture.paraphrases
    .map((p, i) => ({ ...p, verdict: para[i] }))
    .filter((p) => p.verdict && !hit(p.verdict));
  for (const p of missed)
    console.log(
      `paraphrase missed: ${p.a} | ${p.b} | ${p.verdict?.similarity.toFixed(3)} ${p.verdict?.reason}`,
    );
  return {
    nearMisses: near.length,
    falseHits,
    strictFalse,
    strictAccepted,
    rawFalse,
    paraphrases: para.length,
    accepted,
    rawAccepted,
  };
}

await main();
