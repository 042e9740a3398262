/** @module Named entities (capitalised names) for the match verifier. */

import { compareSets, fold, list, rawTokens, STOPWORDS, stem, words } from "../text";
import type { Conflict } from "../types";

/** Capitalised words that are not names: pronouns, months and weekdays (dates own those), titles. */
const NOT_NAMES: ReadonlySet<string> = new Set(
  (
    "i i'm i've i'd i'll ok mr mrs ms dr sir english portuguese january february march april may june july " +
    "august september october november december monday tuesday wednesday thursday friday saturday sunday " +
    "janeiro fevereiro marco abril maio junho julho agosto setembro outubro novembro dezembro what how why"
  ).split(" "),
);

/** More differing names than this on either side reads as a reworded enumeration. */
const MAX_SWAPPED = 3;

/** Whether the token starts a sentence (first token, or after `.`, `?`, `!`, `:`). */
function startsSentence(text: string, offset: number): boolean {
  const before = text.slice(0, offset).trimEnd();
  return before === "" || /[.?!:;"“(\n-]$/.test(before);
}

/**
 * Extracts capitalised name words (folded and stemmed), skipping sentence-initial words, all-caps
 * tokens (identifiers own those) and function words.
 */
export function extractEntities(text: string): string[] {
  const tokens = rawTokens(text);
  const out: string[] = [];
  let offset = 0;
  for (const token of tokens) {
    const at = text.indexOf(token, offset);
    offset = at < 0 ? offset : at + token.length;
    if (!/^\p{Lu}\p{Ll}/u.test(token) || startsSentence(text, Math.max(at, 0))) continue;
    for (const word of words(token)) {
      if (!STOPWORDS.has(word) && !NOT_NAMES.has(word)) out.push(stem(word));
    }
  }
  return out;
}

/**
 * Rejects when each text names something the other does not mention at all ("Python" vs "Java",
 * "Lisbon" vs "Porto"). A name that the other text contains in any case or as part of a longer word
 * ("Python" in "Pythonic") is not missing.
 */
export function entityConflict(query: string, candidate: string): Conflict | null {
  const { onlyA, onlyB } = compareSets(extractEntities(query), extractEntities(candidate));
  const foldedA = fold(query);
  const foldedB = fold(candidate);
  const missingInB = onlyA.filter((e) => !foldedB.includes(e));
  const missingInA = onlyB.filter((e) => !foldedA.includes(e));
  if (missingInB.length === 0 || missingInA.length === 0) return null;
  // Many differing capitalised words is a reworded list or title, not one name swapped for another.
  if (missingInB.length > MAX_SWAPPED || missingInA.length > MAX_SWAPPED) return null;
  return { kind: "entity", detail: `${list(missingInB)} vs ${list(missingInA)}` };
}

/** Names mentioned on one side only (softer evidence, used as a feature). */
export function oneSidedEntities(query: string, candidate: string): number {
  const { onlyA, onlyB } = compareSets(extractEntities(query), extractEntities(candidate));
  const foldedA = fold(query);
  const foldedB = fold(candidate);
  return onlyA.filter((e) => !foldedB.includes(e)).length + onlyB.filter((e) => !foldedA.includes(e)).length;
}
