/** @module Bag-of-words overlaps of two prompts: IDF-weighted word cosine, character n-gram cosine, bigrams. */

import { fold, stem, words } from "../text";
import type { IdfLookup } from "./idf";

type Bag = Map<string, number>;

function add(bag: Bag, key: string, weight: number): void {
  bag.set(key, (bag.get(key) ?? 0) + weight);
}

function bagCosine(a: Bag, b: Bag): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [k, v] of a) {
    na += v * v;
    dot += v * (b.get(k) ?? 0);
  }
  for (const v of b.values()) nb += v * v;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** TF-IDF cosine over word stems (stop words included: their low IDF already discounts them). */
export function tfidfCosine(a: string, b: string, idf: IdfLookup): number {
  const bag = (text: string): Bag => {
    const out: Bag = new Map();
    for (const w of words(text)) add(out, stem(w), idf(stem(w)));
    return out;
  };
  return bagCosine(bag(a), bag(b));
}

/** Cosine of character `n`-gram counts of the folded, punctuation-free texts. */
export function charGramCosine(a: string, b: string, n: number): number {
  const bag = (text: string): Bag => {
    const s = ` ${fold(text)
      .replace(/[^\p{L}\p{N}]+/gu, " ")
      .trim()} `;
    const out: Bag = new Map();
    for (let i = 0; i + n <= s.length; i++) add(out, s.slice(i, i + n), 1);
    return out;
  };
  return bagCosine(bag(a), bag(b));
}

/** Jaccard overlap of adjacent word-stem pairs: word order and phrasing, not just vocabulary. */
export function bigramJaccard(a: string, b: string): number {
  const grams = (text: string): Set<string> => {
    const ws = words(text).map(stem);
    const out = new Set<string>();
    for (let i = 0; i + 1 < ws.length; i++) out.add(`${ws[i]} ${ws[i + 1]}`);
    return out;
  };
  const ga = grams(a);
  const gb = grams(b);
  if (ga.size === 0 && gb.size === 0) return 1;
  let inter = 0;
  for (const g of ga) if (gb.has(g)) inter++;
  return inter / (ga.size + gb.size - inter);
}
