/** @module Markdown tables of the eval's results (stdout). */

import { markdownTable, pct } from "../table";
import type { ConfigJson } from "./client";
import type { EvalConfig } from "./configs";
import { type GptCacheRun, NEAR_COPY_JACCARD, type StoredOrigins } from "./gptcache";
import type { PairRun, PairSet } from "./pairs";

/** One configuration's results over every set. */
export interface ConfigResult {
  readonly config: EvalConfig;
  /** The semantic fields of `GET /admin/config` while it ran (whatever fields the worker has). */
  readonly effective: ConfigJson;
  gptcache?: GptCacheRun;
  readonly sets: Record<string, PairRun>;
}

const semanticFields = (config: ConfigJson): string =>
  Object.entries(config)
    .filter(([k]) => k.startsWith("semantic"))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(", ");

/** The semantic fields of an effective config, for the JSON report. */
export function semanticConfig(config: ConfigJson): ConfigJson {
  return Object.fromEntries(Object.entries(config).filter(([k]) => k.startsWith("semantic")));
}

export function configTable(results: readonly ConfigResult[]): string {
  const rows = results.map((r) => [
    r.config.name,
    `\`${JSON.stringify(r.config.patch)}\``,
    semanticFields(r.effective),
    r.config.note,
  ]);
  return markdownTable(["config", "PATCH /admin/config", "effective semantic settings", "note"], rows);
}

export function gptCacheTable(results: readonly ConfigResult[], stored: StoredOrigins): string {
  const rows = results.flatMap((r) => {
    const g = r.gptcache;
    if (!g) return [];
    const mismatch = g.answerMismatches === 0 ? "" : ` (${g.answerMismatches} answer mismatches!)`;
    return [
      [
        r.config.name,
        g.correct,
        g.nearCopy,
        g.correct + g.nearCopy,
        g.wrong,
        g.miss,
        `${g.semanticHits} / ${g.exactHits}${mismatch}`,
      ],
    ];
  });
  const header = [
    "config",
    "correct (expected entry)",
    "near-copy correct",
    "correct total",
    "other wrong",
    "miss",
    "semantic / exact hits",
  ];
  const statuses = Object.entries(stored.statuses)
    .map(([s, n]) => `${s} ${n}`)
    .join(", ");
  const early = stored.answeredByEarlier;
  const nearCopies = early.filter((h) => h.jaccard >= NEAR_COPY_JACCARD).length;
  const aliased =
    early.length === 0
      ? ""
      : ` ${early.length} origins were answered from an earlier origin while storing (stored as its alias,` +
        ` without an entry or a vector of their own; ${nearCopies} of them near-copies of it).`;
  const intro = `Origins stored (${stored.mode}): ${stored.byText.size} distinct texts, store answers: ${statuses}.`;
  return `${intro}${aliased}\n\n${markdownTable(header, rows)}`;
}

/**
 * Lookup mode only: outcomes of the pairs whose origin a store answered from an earlier origin (an
 * alias without a vector of its own) apart from the others.
 */
export function aliasedOriginsTable(
  results: readonly ConfigResult[],
  stored: StoredOrigins,
  originOf: (index: number) => string,
): string {
  const aliased = new Set(stored.answeredByEarlier.map((h) => h.origin));
  const rows = results.flatMap((r) => {
    const outcomes = r.gptcache?.outcomes ?? [];
    return [true, false].map((own) => {
      const group = outcomes.filter((o) => aliased.has(originOf(o.index)) !== own);
      const n = (v: string) => group.filter((o) => o.verdict === v).length;
      const label = own ? "origin has its own entry" : "origin answered by an earlier origin";
      return [r.config.name, label, group.length, n("correct"), n("near-copy"), n("wrong"), n("miss")];
    });
  });
  const header = ["config", "pairs whose", "pairs", "correct", "near-copy", "other wrong", "miss"];
  return markdownTable(header, rows);
}

/** Wrong hits of one run, for reading. */
export function gptCacheWrongHits(run: GptCacheRun, similar: (index: number) => string): string {
  const rows = run.outcomes
    .filter((o) => o.verdict === "wrong")
    .map((o) => [similar(o.index), o.served ?? "", o.similarity?.toFixed(4) ?? "", o.reason ?? ""]);
  return markdownTable(["query", "served origin", "similarity", "reason"], rows);
}

export function qqpTable(results: readonly ConfigResult[], set: PairSet): string {
  const rows = results.flatMap((r) => {
    const run = r.sets[set.name];
    if (!run) return [];
    const fhr = run.negatives === 0 ? 0 : run.falseHits / run.negatives;
    const recall = run.positives === 0 ? 0 : run.hits / run.positives;
    return [[r.config.name, run.negatives, run.falseHits, pct(fhr), run.positives, run.hits, pct(recall, 1)]];
  });
  const header = ["config", "non-duplicates", "false hits", "FHR", "duplicates", "hits", "recall"];
  return markdownTable(header, rows);
}

export function pairSetTable(results: readonly ConfigResult[], sets: readonly PairSet[]): string {
  const rows = results.flatMap((r) =>
    sets.flatMap((set) => {
      const run = r.sets[set.name];
      if (!run) return [];
      return [[r.config.name, set.name, run.negatives, run.falseHits, run.positives, run.hits]];
    }),
  );
  const header = ["config", "set", "near-misses", "served (must be 0)", "paraphrases", "paraphrases hit"];
  return markdownTable(header, rows);
}

/** Served near-misses (every config) and missed paraphrases (first config) of a pair set. */
export function pairSetDetails(results: readonly ConfigResult[], set: PairSet): string {
  const byId = new Map(set.pairs.map((p) => [p.id, p]));
  const lines: string[] = [];
  for (const r of results) {
    for (const res of r.sets[set.name]?.results ?? []) {
      const p = byId.get(res.id);
      if (p && !res.shouldHit && res.hit) {
        lines.push(`- ${r.config.name}: near-miss SERVED: ${p.a} | ${p.b} | ${res.similarity} ${res.reason}`);
      }
    }
  }
  const first = results[0];
  for (const res of first?.sets[set.name]?.results ?? []) {
    const p = byId.get(res.id);
    if (p && res.shouldHit && !res.hit)
      lines.push(`- ${first?.config.name}: paraphrase missed: ${p.a} | ${p.b}`);
  }
  return lines.join("\n");
}
