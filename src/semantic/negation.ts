/** @module Negation polarity (not/never/no/without; não/nunca/sem) for the match verifier. */

import { fold, looksPortuguese } from "./text";
import type { Conflict } from "./types";

/** Negation cues, folded. `n't` is matched separately because it is glued to its verb. */
const NEGATIONS: ReadonlySet<string> = new Set([
  "not",
  "never",
  "no",
  "without",
  "none",
  "nobody",
  "nothing",
  "neither",
  "nor",
  "cannot",
  "nao",
  "nunca",
  "sem",
  "nenhum",
  "nenhuma",
  "nem",
  "jamais",
  "ninguem",
  "nada",
]);

/** Phrases that contain a cue without negating anything ("whether or not", "no matter", "não só"). */
const NEUTRAL_PHRASES = /\b(or not|ou nao|no matter|not only|nao so|nao apenas|no doubt|sem duvida)\b/g;

/** The negation cues in a text, in order (e.g. `["not"]`, `["n't"]`, `["nao"]`). */
export function negationCues(text: string): string[] {
  const folded = fold(text).replace(/[’`]/g, "'").replace(NEUTRAL_PHRASES, " ");
  // Portuguese "no" is "in the" ("no trading"), not a negation.
  const portuguese = looksPortuguese(text);
  const out: string[] = [];
  for (const token of folded.match(/[\p{L}']+/gu) ?? []) {
    if (token === "no" && portuguese) continue;
    if (NEGATIONS.has(token)) out.push(token);
    else if (token.endsWith("n't") || token === "dont" || token === "cant" || token === "wont")
      out.push("n't");
  }
  return out;
}

/**
 * Rejects when one text is negated and the other is not ("Should I buy" vs "Should I not buy",
 * "com stop" vs "sem stop"). Only polarity counts: a double negative is not modelled.
 */
export function negationConflict(query: string, candidate: string): Conflict | null {
  const cuesA = negationCues(query);
  const cuesB = negationCues(candidate);
  if (cuesA.length > 0 === cuesB.length > 0) return null;
  const [side, cues] = cuesA.length > 0 ? ["query", cuesA] : ["candidate", cuesB];
  return { kind: "negation", detail: `"${cues.join(", ")}" only in the ${side}` };
}
