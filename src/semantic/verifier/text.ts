/** @module Text normalisation shared by the verifier's signals: accent folding, tokens, stop words, stems. */

/**
 * Version of the text normalisation below (folding, words, stop words, stems). Fitted models record
 * the version their features were computed with; bump it with any change here and refit
 * (`npm run eval:fit`, `npm run calibrate`), or the score would read features it was not fitted on.
 */
export const TEXT_NORMALISATION = 1;

/** Lower-cases and strips diacritics, so "Saída" and "saida" compare equal. */
export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
}

/** Folded words: runs of letters and digits (so `EUR/USD` gives `eur`, `usd`). */
export function words(text: string): string[] {
  return fold(text).match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? [];
}

/**
 * Raw whitespace tokens with surrounding punctuation trimmed but inner punctuation kept, so
 * `EUR/USD?` gives `EUR/USD` and `load_from_disk().` gives `load_from_disk()`. Case is preserved.
 */
export function rawTokens(text: string): string[] {
  const out: string[] = [];
  for (const piece of text.split(/\s+/)) {
    const trimmed = piece
      .replace(/^["'`“”‘’«»([{<¿¡*]+/u, "")
      .replace(/(?<!\()["'`“”‘’«»)\]}>?!.,;:*]+$/u, "")
      .replace(/\(\)[?!.,;:]+$/u, "()");
    if (trimmed.length > 0) out.push(trimmed);
  }
  return out;
}

const STOPWORDS_EN =
  "a an the and or but if of at by for with about against between into through during before after above " +
  "below to from in out on off over under again further then once here there when where why how all any both " +
  "each few more most other some such only own same so than too very can will just should now i me my myself " +
  "we our ours you your yours he him his she her it its they them their what which who whom this that these " +
  "those am is are was were be been being have has had having do does did doing would could might must shall " +
  "may i'm it's what's whats im get got also as like one ever really much many way ways best good better";
const STOPWORDS_PT =
  "o a os as um uma uns umas de do da dos das no na nos nas em por para pelo pela com e ou que qual quais " +
  "como onde quando quem porque por que se ao aos eu voce voces ele ela eles elas meu minha seu sua isso isto " +
  "esse essa este esta ser sao e foi era tem ter ha mais muito muita me te lhe nos vos pra pro sobre entre";

/** English and Portuguese function words (folded), plus a few very generic question words. */
export const STOPWORDS: ReadonlySet<string> = new Set(`${STOPWORDS_EN} ${STOPWORDS_PT}`.split(" "));

/** Light suffix stripping so "buying"/"buys" and "blocos"/"bloco" share a stem; not a real stemmer. */
export function stem(word: string): string {
  if (word.length <= 3) return word;
  if (word.endsWith("'s")) return word.slice(0, -2);
  if (word.endsWith("ies") && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith("ing") && word.length > 5) return word.slice(0, -3);
  if (word.endsWith("ed") && word.length > 4) return word.slice(0, -2);
  if (word.endsWith("es") && word.length > 4) return word.slice(0, -2);
  if (word.endsWith("s") && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

/** Stemmed folded words that are not stop words. */
export function contentWords(text: string): string[] {
  return words(text)
    .filter((w) => !STOPWORDS.has(w))
    .map(stem);
}

const PT_MARKERS = new Set(
  "o os as um uma que nao sao de do da dos das em no na nos nas para com como voce qual quais isso".split(
    " ",
  ),
);
const EN_MARKERS = new Set(
  "the a an is are what how of to in and do does i you my can should why which".split(" "),
);

/** Whether a text reads as Portuguese rather than English (more Portuguese function words). */
export function looksPortuguese(text: string): boolean {
  let score = 0;
  for (const w of words(text)) score += (PT_MARKERS.has(w) ? 1 : 0) - (EN_MARKERS.has(w) ? 1 : 0);
  return score > 0;
}

/** Items of `a` that are not in `b`. */
export function difference<T>(a: Iterable<T>, b: ReadonlySet<T>): T[] {
  const out: T[] = [];
  for (const x of a) if (!b.has(x)) out.push(x);
  return out;
}

/**
 * Compares two sets of extracted values. A *substitution* (each side has a value the other lacks) is
 * the strong signal; `onlyA`/`onlyB` let callers treat one-sided extras as softer evidence.
 */
export function compareSets(
  a: Iterable<string>,
  b: Iterable<string>,
): { onlyA: string[]; onlyB: string[]; substituted: boolean } {
  const setA = new Set(a);
  const setB = new Set(b);
  const onlyA = difference(setA, setB);
  const onlyB = difference(setB, setA);
  return { onlyA, onlyB, substituted: onlyA.length > 0 && onlyB.length > 0 };
}

/**
 * Jaccard overlap of the two texts' content words, leaving out `ignore` (the words a check is about),
 * so "Should I buy X?" and "Should I sell X?" align fully. Used to apply a polarity check only when the
 * rest of the sentence matches; rephrased long texts move negations and prepositions around freely.
 */
export function alignment(a: string, b: string, ignore: (word: string) => boolean): number {
  const setA = new Set(contentWords(a).filter((w) => !ignore(w)));
  const setB = new Set(contentWords(b).filter((w) => !ignore(w)));
  if (setA.size === 0 && setB.size === 0) return 1;
  let inter = 0;
  for (const x of setA) if (setB.has(x)) inter++;
  return inter / (setA.size + setB.size - inter);
}

/** `x` or `x, y` for reasons. */
export function list(values: readonly string[]): string {
  return values.join(", ");
}
