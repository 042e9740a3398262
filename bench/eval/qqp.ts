/** @module QQP false-hit rate and recall curves for raw cosine and for the verifier. */

import { isFitRow, type QqpPair } from "./data";
import { markdownTable, pct } from "./table";
import { accepts, type Verdict } from "./verdicts";

/** False-hit rate on non-duplicates and recall on duplicates of one decision rule. */
export interface Rates {
  readonly fhr: number;
  readonly recall: number;
}

/** Which rows a number is computed on. */
export type Split = "all" | "fit" | "held-out";

function inSplit(pair: QqpPair, split: Split): boolean {
  return split === "all" || (split === "fit") === isFitRow(pair.row);
}

/** Rates of `decide` over the rows of `split`. */
export function rates(
  pairs: readonly QqpPair[],
  verdicts: readonly Verdict[],
  split: Split,
  decide: (v: Verdict) => boolean,
): Rates {
  let neg = 0;
  let fp = 0;
  let pos = 0;
  let tp = 0;
  pairs.forEach((p, i) => {
    const v = verdicts[i];
    if (!v || !inSplit(p, split)) return;
    const hit = decide(v);
    if (p.duplicate) {
      pos++;
      if (hit) tp++;
    } else {
      neg++;
      if (hit) fp++;
    }
  });
  return { fhr: neg === 0 ? 0 : fp / neg, recall: pos === 0 ? 0 : tp / pos };
}

/** Best recall over a family of rules whose false-hit rate stays at or under `maxFhr`. */
export function bestRecallAt(
  pairs: readonly QqpPair[],
  verdicts: readonly Verdict[],
  split: Split,
  rules: readonly ((v: Verdict) => boolean)[],
  maxFhr: number,
): Rates {
  let best: Rates = { fhr: 0, recall: 0 };
  for (const rule of rules) {
    const r = rates(pairs, verdicts, split, rule);
    if (r.fhr <= maxFhr && r.recall > best.recall) best = r;
  }
  return best;
}

const cells = (r: Rates): string[] => [pct(r.fhr), pct(r.recall, 1)];

/** Raw cosine table: one row per similarity threshold. */
export function cosineTable(
  pairs: readonly QqpPair[],
  verdicts: readonly Verdict[],
  thresholds: number[],
): string {
  const rows = thresholds.map((t) => {
    const rule = (v: Verdict): boolean => v.similarity >= t;
    return [
      t.toFixed(2),
      ...cells(rates(pairs, verdicts, "all", rule)),
      ...cells(rates(pairs, verdicts, "held-out", rule)),
    ];
  });
  return markdownTable(
    ["cosine >=", "FHR (all)", "recall (all)", "FHR (held-out)", "recall (held-out)"],
    rows,
  );
}

/** Verifier table at a fixed similarity gate: one row per minimum score. */
export function verifierTable(
  pairs: readonly QqpPair[],
  verdicts: readonly Verdict[],
  threshold: number,
  minScores: number[],
): string {
  const rows = minScores.map((s) => {
    const rule = (v: Verdict): boolean => accepts(v, threshold, s);
    return [
      s.toFixed(3),
      ...cells(rates(pairs, verdicts, "fit", rule)),
      ...cells(rates(pairs, verdicts, "held-out", rule)),
      ...cells(rates(pairs, verdicts, "all", rule)),
    ];
  });
  const header = [
    "minScore",
    "FHR fit",
    "recall fit",
    "FHR held-out",
    "recall held-out",
    "FHR all",
    "recall all",
  ];
  return markdownTable(header, rows);
}
