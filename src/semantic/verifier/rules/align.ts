/**
 * @module Content-term alignment for the rule verifier: every content term of one prompt is matched
 * to a counterpart in the other (the same word in another form, a synonym or translation from the
 * lexicon, a compound written apart, an abbreviation and its expansion). What stays unmatched on each
 * side is what the two prompts disagree on.
 */

import { STOPWORDS } from "../text";
import { sameWord } from "./lemma";
import {
  CATEGORY_WORDS,
  CONTRAST_WORDS,
  FILLERS,
  KEPT_STOPWORDS,
  MARKET_QUALIFIERS,
  synonymGroup,
} from "./lexicon";

/** Terms of each side with no counterpart on the other. */
export interface Alignment {
  readonly onlyA: readonly string[];
  readonly onlyB: readonly string[];
  /** Content terms compared on each side (after frame, stop words and fillers). */
  readonly termsA: number;
  readonly termsB: number;
}

/** One-letter words that are articles, pronouns or split contractions, not names ("C", "R", "X"). */
const NOISE_LETTERS = new Set("a e i o s t u y d m".split(" ").join("").split(""));
/** What is left of English contractions once apostrophes split them ("I've", "we'll", "they're"). */
const CONTRACTIONS = new Set(["ve", "ll", "re"]);

const isMarket = (w: string | undefined): boolean =>
  w === "market" || w === "markets" || w?.startsWith("mercado") === true;

function isContent(w: string, i: number, body: readonly string[], acronyms: ReadonlySet<string>): boolean {
  if (acronyms.has(w)) return true;
  if ((w.length === 1 && NOISE_LETTERS.has(w)) || CONTRACTIONS.has(w)) return false;
  if (FILLERS.has(w)) return false;
  if (MARKET_QUALIFIERS.has(w) && (isMarket(body[i - 1]) || isMarket(body[i + 1]))) return false;
  return CONTRAST_WORDS.has(w) || KEPT_STOPWORDS.has(w) || !STOPWORDS.has(w);
}

/** Words a question is about: not stop words (unless they carry contrast), not fillers. */
export function contentTerms(body: readonly string[], acronyms: ReadonlySet<string> = new Set()): string[] {
  return body.filter((w, i) => isContent(w, i, body, acronyms));
}

function matches(a: string, b: string): boolean {
  if (sameWord(a, b)) return true;
  const g = synonymGroup(a);
  return g !== undefined && g === synonymGroup(b);
}

/** An expansion starts and ends on content words ("in the" does not spell IT). */
function spellsContent(used: readonly number[], other: readonly string[]): boolean {
  const isStop = (j: number | undefined): boolean => STOPWORDS.has(other[j ?? -1] ?? "");
  return !isStop(used[0]) && !isStop(used.at(-1));
}

/** Marks, in `other`, a run whose initials spell `term` ("bos" = break of structure, "rsi"). */
function expandsTo(term: string, other: readonly string[]): number[] | null {
  if (term.length < 2 || term.length > 6 || /\d/.test(term)) return null;
  for (let i = 0; i < other.length; i++) {
    // Initials with and without stop words ("break of structure" is BOS, "return on investment" ROI).
    for (const keepStop of [true, false]) {
      let spelled = "";
      const used: number[] = [];
      for (let j = i; j < other.length && spelled.length < term.length; j++) {
        const w = other[j] ?? "";
        if (!keepStop && STOPWORDS.has(w) && j > i) continue;
        spelled += w[0] ?? "";
        used.push(j);
      }
      if (spelled === term && used.length > 1 && spellsContent(used, other)) return used;
    }
  }
  return null;
}

/** Index of the pair of adjacent words in `other` written as `term` ("stoploss", "candle stick"). */
function compoundOf(term: string, other: readonly string[]): number[] | null {
  for (let i = 0; i + 1 < other.length; i++) {
    const joined = `${other[i]}${other[i + 1]}`;
    if (joined === term || sameWord(joined, term)) return [i, i + 1];
  }
  return null;
}

function alignSide(side: readonly string[], other: readonly string[], otherBody: readonly string[]) {
  const unmatched: string[] = [];
  const usedOther = new Set<string>();
  for (const term of side) {
    const hit = other.find((o) => matches(term, o));
    if (hit !== undefined) {
      usedOther.add(hit);
      continue;
    }
    const run = expandsTo(term, otherBody) ?? compoundOf(term, otherBody);
    if (run) for (const j of run) usedOther.add(otherBody[j] ?? "");
    else unmatched.push(term);
  }
  return { unmatched, usedOther };
}

/** Aligns the content terms of two prompt bodies (folded words after the frame). */
export function alignTerms(
  bodyA: readonly string[],
  bodyB: readonly string[],
  acronyms: ReadonlySet<string> = new Set(),
): Alignment {
  const a = contentTerms(bodyA, acronyms);
  const b = contentTerms(bodyB, acronyms);
  const fromA = alignSide(a, b, bodyB);
  const fromB = alignSide(b, a, bodyA);
  // A term of B spelled out by A's words ("fair value gap" for "fvg") counts as aligned.
  let onlyA = fromA.unmatched.filter((t) => !fromB.usedOther.has(t));
  let onlyB = fromB.unmatched.filter((t) => !fromA.usedOther.has(t));
  // A category noun on one side only names what the other side's term already is.
  const category = (terms: string[]): boolean => terms.every((t) => CATEGORY_WORDS.has(t));
  if (onlyB.length === 0 && category(onlyA)) onlyA = [];
  if (onlyA.length === 0 && category(onlyB)) onlyB = [];
  return { onlyA: [...new Set(onlyA)], onlyB: [...new Set(onlyB)], termsA: a.length, termsB: b.length };
}
