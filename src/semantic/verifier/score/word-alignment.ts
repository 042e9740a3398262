/**
 * @module Per-word alignment of two prompts: each content word of one side is matched to its best
 * counterpart on the other (same stem, else spelling similarity), and what stays unaligned is weighted
 * by IDF, so "hotels in Bhopal" / "hotels in Indore" leaves a rare word unaligned on each side.
 */

import { STOPWORDS, stem, words } from "../text";
import type { IdfLookup } from "./idf";

/** What one side leaves unaligned. */
export interface SideAlignment {
  /** IDF mass of the side's content words. */
  readonly total: number;
  /** IDF mass weighted by how badly each word aligns (0 = all aligned). */
  readonly unaligned: number;
  /** Content words with no counterpart at all. */
  readonly unalignedCount: number;
}

/** Spelling similarity below this counts as no match ("colour"/"color" 0.57, "bond"/"bonus" 0.25). */
const SPELLING_MIN = 0.5;

function charGrams(word: string): Set<string> {
  const s = `^${word}$`;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= s.length; i++) out.add(s.slice(i, i + 3));
  return out;
}

/** Dice overlap of two words' character trigrams. */
function spelling(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  for (const g of a) if (b.has(g)) inter++;
  return (2 * inter) / Math.max(1, a.size + b.size);
}

interface Word {
  readonly stem: string;
  readonly grams: Set<string>;
}

/** Distinct content words (folded, stop words removed unless `all`), keyed by stem, in text order. */
export function contentTerms(text: string, all = false): Word[] {
  const seen = new Map<string, Word>();
  for (const w of words(text)) {
    if (!all && STOPWORDS.has(w)) continue;
    const s = stem(w);
    if (!seen.has(s)) seen.set(s, { stem: s, grams: charGrams(s) });
  }
  return [...seen.values()];
}

/** How well one word aligns with the other side: 1 for the same stem, else its best spelling match. */
function bestMatch(word: Word, other: readonly Word[], otherStems: ReadonlySet<string>): number {
  if (otherStems.has(word.stem)) return 1;
  let best = 0;
  for (const o of other) best = Math.max(best, spelling(word.grams, o.grams));
  return best >= SPELLING_MIN ? best : 0;
}

/** Aligns `side` against `other`. */
export function alignSide(side: readonly Word[], other: readonly Word[], idf: IdfLookup): SideAlignment {
  const otherStems = new Set(other.map((w) => w.stem));
  let total = 0;
  let unaligned = 0;
  let unalignedCount = 0;
  for (const w of side) {
    const weight = idf(w.stem);
    const match = bestMatch(w, other, otherStems);
    total += weight;
    unaligned += weight * (1 - match);
    if (match === 0) unalignedCount++;
  }
  return { total, unaligned, unalignedCount };
}

/**
 * Share of pairs of shared words that appear in opposite order on the two sides (0 = same order), so
 * "terrorists are Muslim" / "Muslims are terrorists" scores 1 while the vocabulary is identical.
 */
export function orderDiscordance(a: readonly Word[], b: readonly Word[]): number {
  const posB = new Map(b.map((w, i) => [w.stem, i]));
  const order = a.flatMap((w) => {
    const at = posB.get(w.stem);
    return at === undefined ? [] : [at];
  });
  let pairs = 0;
  let discordant = 0;
  for (let i = 0; i < order.length; i++) {
    for (let j = i + 1; j < order.length; j++) {
      pairs++;
      if ((order[i] ?? 0) > (order[j] ?? 0)) discordant++;
    }
  }
  return pairs === 0 ? 0 : discordant / pairs;
}
