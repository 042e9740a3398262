/**
 * @module The configurations the eval compares, each a `PATCH /admin/config` body over the defaults.
 * Plain JSON on purpose: the worker validates it, so a field that is renamed or removed fails the run
 * with a 400 naming it instead of silently measuring something else.
 */

import type { ConfigJson } from "./client";

/** One configuration to evaluate. */
export interface EvalConfig {
  readonly name: string;
  /** Sent as `PATCH /admin/config` after `DELETE /admin/config` (so `{}` is the defaults). */
  readonly patch: ConfigJson;
  readonly note: string;
}

/** Every configuration the eval knows; `--configs` picks from these by name. */
export const CONFIGS: readonly EvalConfig[] = [
  { name: "default", patch: {}, note: "what a user who configures nothing gets (semanticPreset safe)" },
  {
    name: "strict",
    patch: { semanticPreset: "strict" },
    note: "rules only, never a score: what a deployed embedder without a calibration gets",
  },
  {
    name: "lenient",
    patch: { semanticPreset: "lenient" },
    note: "opt-in: hard conflicts, then the score alone >= 0.5 (the default before the rules)",
  },
  {
    name: "lenient-0.82",
    // STRICT_MIN_SCORE in src/semantic/verifier/model/weights.ts.
    patch: { semanticPreset: "lenient", semanticMinScore: 0.8215 },
    note: "opt-in: hard conflicts, then the score alone >= 0.8215 (the old strict preset)",
  },
  {
    name: "top-1",
    patch: { semanticCandidates: 1, semanticLexicalCandidates: 0 },
    note: "nearest candidate only",
  },
  { name: "no-lexical", patch: { semanticLexicalCandidates: 0 }, note: "vector candidates only" },
];

/** What `npm run eval` runs when `--configs` is not given. */
export const DEFAULT_CONFIG_NAMES = ["default", "strict", "lenient"] as const;

/** The configs named in `names` (comma-separated; `all` for every one), in table order. */
export function pickConfigs(names: string): EvalConfig[] {
  const wanted = names.split(",").map((n) => n.trim());
  if (wanted.includes("all")) return [...CONFIGS];
  const unknown = wanted.filter((n) => !CONFIGS.some((c) => c.name === n));
  if (unknown.length > 0) {
    throw new Error(`unknown config ${unknown.join(", ")}; known: ${CONFIGS.map((c) => c.name).join(", ")}`);
  }
  return CONFIGS.filter((c) => wanted.includes(c.name));
}
