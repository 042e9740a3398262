/** @module Our own near-miss and paraphrase set (test/fixtures/near-misses.json), English and Portuguese. */

import { readFileSync } from "node:fs";
import path from "node:path";

/** A pair that must never be served for each other, labelled with the conflict kind it exercises. */
export interface NearMiss {
  readonly kind: string;
  readonly lang: string;
  readonly a: string;
  readonly b: string;
}

/** A pair that asks the same thing and should hit. */
export interface Paraphrase {
  readonly lang: string;
  readonly a: string;
  readonly b: string;
}

/** The fixture file's shape. */
export interface NearMissFixture {
  readonly templates: readonly string[];
  readonly nearMisses: readonly NearMiss[];
  readonly paraphrases: readonly Paraphrase[];
}

function isStringRecord(x: unknown, keys: readonly string[]): boolean {
  if (typeof x !== "object" || x === null) return false;
  const r = x as Record<string, unknown>;
  return keys.every((k) => typeof r[k] === "string");
}

/** Loads and checks the fixture. */
export function loadNearMisses(): NearMissFixture {
  const file = path.join(process.cwd(), "test/fixtures/near-misses.json");
  const raw: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (typeof raw !== "object" || raw === null) throw new Error("near-misses.json: expected an object");
  const { templates, nearMisses, paraphrases } = raw as Record<string, unknown>;
  const ok =
    Array.isArray(templates) &&
    templates.every((t) => typeof t === "string") &&
    Array.isArray(nearMisses) &&
    nearMisses.every((p) => isStringRecord(p, ["kind", "lang", "a", "b"])) &&
    Array.isArray(paraphrases) &&
    paraphrases.every((p) => isStringRecord(p, ["lang", "a", "b"]));
  if (!ok) throw new Error("near-misses.json: bad shape");
  return { templates, nearMisses, paraphrases } as NearMissFixture;
}
