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
  { name: "default", patch: {}, note: "what a user who configures nothing gets" },
  {
    name: "strict",
    // STRICT_MIN_SCORE in src/semantic/verifier/model/weights.ts, the preset src/config.ts points at.
    patch: { semanticMinScore: 0.8215 },
    note: "semanticMinScore = STRICT_MIN_SCORE (QQP-calibrated, <1% false hits)",
  },
  { name: "top-1", patch: { semanticCandidates: 1 }, note: "verify the nearest candidate only" },
  { name: "threshold-0.90", patch: { semanticThreshold: 0.9 }, note: "cosine gate 0.90" },
];

/** What `npm run eval` runs when `--configs` is not given. */
export const DEFAULT_CONFIG_NAMES = ["default", "strict"] as const;

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
