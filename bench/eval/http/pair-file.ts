/**
 * @module Pair files in the shape of test/fixtures/near-misses.json: `{templates?, nearMisses?,
 * paraphrases?}`, near-misses `{a, b, kind?, lang?}` must never be served for each other, paraphrases
 * `{a, b, lang?}` should be. Any file of this shape can be evaluated with `--pairs file.json`.
 */

import { readFileSync } from "node:fs";
import path from "node:path";
import type { EvalPair, PairSet } from "./pairs";

/** The project's own trading near-misses and paraphrases (English and Portuguese). */
export const NEAR_MISS_FIXTURE = "test/fixtures/near-misses.json";

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function pairsOf(file: string, field: string, raw: unknown, shouldHit: boolean): EvalPair[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new Error(`${file}: ${field} must be an array`);
  return raw.map((item, i) => {
    if (!isRecord(item) || typeof item.a !== "string" || typeof item.b !== "string") {
      throw new Error(`${file}: ${field}[${i}] needs string a and b`);
    }
    const tags: Record<string, string> = {};
    for (const tag of ["kind", "lang"]) if (typeof item[tag] === "string") tags[tag] = item[tag];
    return { id: `${field}[${i}]`, a: item.a, b: item.b, shouldHit, tags };
  });
}

/** Loads and checks a pair file (relative paths from the working directory). */
export function loadPairFile(file: string): PairSet {
  const raw: unknown = JSON.parse(readFileSync(path.resolve(file), "utf8"));
  if (!isRecord(raw)) throw new Error(`${file}: expected an object`);
  const { templates = [] } = raw;
  if (!Array.isArray(templates) || !templates.every((t) => typeof t === "string")) {
    throw new Error(`${file}: templates must be an array of strings`);
  }
  const pairs = [
    ...pairsOf(file, "nearMisses", raw.nearMisses, false),
    ...pairsOf(file, "paraphrases", raw.paraphrases, true),
  ];
  if (pairs.length === 0) throw new Error(`${file}: no nearMisses and no paraphrases`);
  return { name: path.basename(file, ".json"), source: file, templates, pairs };
}
