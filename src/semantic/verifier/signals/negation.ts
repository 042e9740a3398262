/** @module Negation polarity (not/never/no/without; não/nunca/sem) for the match verifier. */

import { alignment, fold, looksPortuguese } from "../text";
import type { Conflict } from "../types";

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

/** Minimum overlap of the rest of the sentence for a polarity difference to count (see {@link alignment}). */
const MIN_ALIGNMENT = 0.6;

const isCue = (w: string): boolean =>
  NEGATIONS.has(w) || w.endsWith("n't") || w === "dont" || w === "cant" || w === "wont";

/** Phrases that contain a cue without negating anything ("whether or not", "no matter", "não só"). */
const NEUTRAL_PHRASES = /\b(or not|ou nao|no matter|not only|nao so|nao apenas|no doubt|sem duvida)\b/g;
/** An answer particle opening a sentence ("No, it is..."; "Não, ...") answers, it does not negate. */
const ANSWER_PARTICLE = /(^|[.!?:]\s+)(no|nao)\s*[,.!]/g;

/** The negation cues in a text, in order (e.g. `["not"]`, `["n't"]`, `["nao"]`). */
export function negationCues(text: string): string[] {
  const folded = fold(text)
    .replace(/[’`]/g, "'")
    .replace(NEUTRAL_PHRASES, " ")
    .replace(ANSWER_PARTICLE, "$1");
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
 * "com stop" vs "sem stop"). Only polarity counts: a double negative is not modelled. The rest of the
 * sentence must align, so a rephrasing ("without copying" vs "zero-copy") is left to the score.
 */
export function negationConflict(query: string, candidate: string): Conflict | null {
  const cuesA = negationCues(query);
  const cuesB = negationCues(candidate);
  if (cuesA.length > 0 === cuesB.length > 0) return null;
  if (alignment(query, candidate, isCue) < MIN_ALIGNMENT) return null;
  const [side, cues] = cuesA.length > 0 ? ["query", cuesA] : ["candidate", cuesB];
  return { kind: "negation", detail: `"${cues.join(", ")}" only in the ${side}` };
}
