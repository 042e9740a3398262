/**
 * @module Content-term alignment for the rule verifier: every content term of one prompt is matched
 * to a counterpart in the other (the same word in another form, a synonym or translation from the
 * lexicon, a compound written apart, an abbreviation and its expansion). What stays unmatched on each
 * side is what the two prompts disagree on.
 */

import { STOPWORDS } from "../text";
import { lemma, relatedForms } from "./lemma";
import {
  CATEGORY_WORDS,
  CONTRAST_WORDS,
  FILLERS,
  KEPT_STOPWORDS,
  MARKET_QUALIFIERS,
  SOFT_QUALIFIERS,
  synonymGroup,
  wordnetSets,
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
const NOISE_LETTERS = new Set("aeiostuydm");
/** What is left of English contractions once apostrophes split them ("I've", "we'll", "they're"). */
const CONTRACTIONS = new Set(["ve", "ll", "re"]);

const isMarket = (w: string | undefined): boolean =>
  w === "market" || w === "markets" || w?.startsWith("mercado") === true;

/** Words after which "one" is a pronoun ("which one", "each one", "the one"), not a count. */
const ONE_AFTER = new Set(
  "which each any every no the this that some another should can could would must does do did will may might shall if when".split(
    " ",
  ),
);
/** Words before which "one" is a generic subject ("one should", "one's life"), not a count. */
const ONE_BEFORE = new Set(
  "s should can could would must do does did is has have will may might needs gets feels".split(" "),
);

/** "One" as a generic pronoun: "what should one do", "one's life", "which one is better". */
function pronounOne(i: number, body: readonly string[]): boolean {
  return (
    body[i] === "one" &&
    (ONE_AFTER.has(body[i - 1] ?? "") || ONE_BEFORE.has(body[i + 1] ?? "") || body[i + 1] === "of")
  );
}

function isContent(w: string, i: number, body: readonly string[], acronyms: ReadonlySet<string>): boolean {
  if (acronyms.has(w)) return true;
  if ((w.length === 1 && NOISE_LETTERS.has(w)) || CONTRACTIONS.has(w)) return false;
  if (FILLERS.has(w) || pronounOne(i, body)) return false;
  if (MARKET_QUALIFIERS.has(w) && (isMarket(body[i - 1]) || isMarket(body[i + 1]))) return false;
  return CONTRAST_WORDS.has(w) || KEPT_STOPWORDS.has(w) || !STOPWORDS.has(w);
}

/** Words a question is about: not stop words (unless they carry contrast), not fillers. */
export function contentTerms(body: readonly string[], acronyms: ReadonlySet<string> = new Set()): string[] {
  return body.filter((w, i) => isContent(w, i, body, acronyms));
}

/** An expansion starts and ends on content words ("in the" does not spell IT). */
function spellsContent(used: readonly number[], other: readonly string[]): boolean {
  const isStop = (j: number | undefined): boolean => STOPWORDS.has(other[j ?? -1] ?? "");
  return !isStop(used[0]) && !isStop(used.at(-1));
}

/** Longest abbreviation looked up ("FVG", "BOS", "RSI", "EBITDA"). */
const MAX_ABBREVIATION = 6;

/**
 * Runs of `other` whose initials spell one of `terms` ("bos" = break of structure, "roi" = return on
 * investment), found in one pass: a run stops growing as soon as it spells no term's beginning.
 */
function expansions(terms: readonly string[], other: readonly string[]): Map<string, number[]> {
  const found = new Map<string, number[]>();
  const wanted = new Set(terms.filter((t) => t.length >= 2 && t.length <= MAX_ABBREVIATION && !/\d/.test(t)));
  if (wanted.size === 0) return found;
  const prefixes = new Set([...wanted].flatMap((t) => [...t].map((_, i) => t.slice(0, i + 1))));
  for (let i = 0; i < other.length; i++) {
    // Initials with and without stop words ("break of structure" is BOS, "return on investment" ROI).
    for (const keepStop of [true, false]) {
      let spelled = "";
      const used: number[] = [];
      for (let j = i; j < other.length; j++) {
        const w = other[j] ?? "";
        if (!keepStop && STOPWORDS.has(w) && j > i) continue;
        spelled += w[0] ?? "";
        if (!prefixes.has(spelled)) break;
        used.push(j);
        const done = used.length > 1 && wanted.has(spelled) && !found.has(spelled);
        if (done && spellsContent(used, other)) found.set(spelled, [...used]);
      }
    }
  }
  return found;
}

/** Pairs of adjacent words of `other` by the lemma of their joined form ("stop loss" -> "stoploss"). */
function compoundsOf(other: readonly string[]): (term: string) => number[] | null {
  let byLemma: Map<string, number[]> | undefined;
  return (term) => {
    if (!byLemma) {
      byLemma = new Map();
      for (let i = 0; i + 1 < other.length; i++) {
        const joined = lemma(`${other[i]}${other[i + 1]}`);
        if (!byLemma.has(joined)) byLemma.set(joined, [i, i + 1]);
      }
    }
    return byLemma.get(lemma(term)) ?? null;
  };
}

/**
 * Content terms aligned per side, at most. Word pairs are compared one by one, so work grows with the
 * product of the two lengths; past this a prompt is a document, judged on its first terms.
 */
export const MAX_ALIGNED_TERMS = 96;

/** The other side's words by lemma and synonym group: most terms align by a lookup, not a scan. */
function indexOf(other: readonly string[]) {
  const byKey = new Map<string, string>();
  for (const o of other) {
    const keys = [o, `l:${lemma(o)}`, `g:${synonymGroup(o) ?? ""}`, ...wordnetSets(o).map((i) => `w:${i}`)];
    for (const key of keys) {
      if (key !== "g:" && !byKey.has(key)) byKey.set(key, o);
    }
  }
  const synonym = (term: string): string | undefined => {
    for (const i of wordnetSets(term)) {
      const hit = byKey.get(`w:${i}`);
      if (hit !== undefined) return hit;
    }
    return undefined;
  };
  return (term: string): string | undefined =>
    byKey.get(term) ??
    byKey.get(`l:${lemma(term)}`) ??
    byKey.get(`g:${synonymGroup(term) ?? ""}`) ??
    synonym(term) ??
    // Stems and spelling variants need 5+ letters (see sameWord): only those are scanned.
    (term.length >= 5 ? other.find((o) => relatedForms(term, o)) : undefined);
}

function alignSide(side: readonly string[], other: readonly string[], otherBody: readonly string[]) {
  const unmatched: string[] = [];
  const usedOther = new Set<string>();
  const find = indexOf(other);
  const compoundOf = compoundsOf(otherBody);
  const left: string[] = [];
  for (const term of side) {
    const hit = find(term);
    if (hit !== undefined) {
      usedOther.add(hit);
      continue;
    }
    const run = compoundOf(term);
    if (run) for (const j of run) usedOther.add(otherBody[j] ?? "");
    else left.push(term);
  }
  const expanded = expansions(left, otherBody);
  for (const term of left) {
    const run = expanded.get(term);
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
  const a = contentTerms(bodyA, acronyms).slice(0, MAX_ALIGNED_TERMS);
  const b = contentTerms(bodyB, acronyms).slice(0, MAX_ALIGNED_TERMS);
  const fromA = alignSide(a, b, bodyB);
  const fromB = alignSide(b, a, bodyA);
  // A term of B spelled out by A's words ("fair value gap" for "fvg") counts as aligned.
  let onlyA = fromA.unmatched.filter((t) => !fromB.usedOther.has(t));
  let onlyB = fromB.unmatched.filter((t) => !fromA.usedOther.has(t));
  // A category noun on one side only names what the other side's term already is.
  const category = (terms: string[]): boolean => terms.every((t) => CATEGORY_WORDS.has(t));
  if (onlyB.length === 0 && category(onlyA)) onlyA = [];
  if (onlyA.length === 0 && category(onlyB)) onlyB = [];
  // "more" or "all" alone on one side intensifies; against "less" or "some" on the other it contrasts.
  const soft = (terms: string[]): boolean => terms.every((t) => SOFT_QUALIFIERS.has(t));
  if (onlyB.length === 0 && soft(onlyA)) onlyA = [];
  if (onlyA.length === 0 && soft(onlyB)) onlyB = [];
  return { onlyA: [...new Set(onlyA)], onlyB: [...new Set(onlyB)], termsA: a.length, termsB: b.length };
}
