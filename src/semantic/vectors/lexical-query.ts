/**
 * @module The words of a question as a lexical search sees them, and their SQLite FTS5 query.
 *
 * The offline encoder is English-only, so two Portuguese paraphrases may sit far apart in its vector
 * space while sharing a rare term ("Order Blocks"). The lexical candidate source finds those: stored
 * questions are indexed folded (lower-case, accents stripped: "São" = "sao"), and a query OR-s the
 * content words of the new question (stop words in English and Portuguese dropped), so one shared
 * rare word is enough to become a candidate; BM25 ranks the rest. Prompts are hostile input: every
 * term is rebuilt from letters and digits alone and quoted, so no prompt can reach FTS5's syntax
 * (quotes, `AND`/`OR`/`NOT`, `NEAR(`, `*`, `:`, `^`, parentheses).
 */
import { fold, STOPWORDS, stem } from "../verifier/text";

/** Distinct terms one lexical query uses at most (the first ones of the question). @default 24 */
export const MAX_LEXICAL_TERMS = 24;
/** Longer runs of letters and digits are skipped: pasted hashes and base64 never match usefully. */
export const MAX_TERM_CHARS = 48;
/** Roots at least this long match as prefixes (`"block"*` finds "blocks"); shorter ones match whole. */
const MIN_PREFIX_CHARS = 4;
/** Stored text is cut here before indexing, like the vector shard's texts. */
export const MAX_INDEXED_CHARS = 16_384;

/** One term of a lexical query: folded letters and digits, matched whole or as a prefix. */
export interface LexicalTerm {
  readonly text: string;
  readonly prefix: boolean;
}

/** The text as it is indexed: folded, and cut to {@link MAX_INDEXED_CHARS}. */
export function foldForIndex(text: string): string {
  return fold(text.slice(0, MAX_INDEXED_CHARS));
}

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}

/**
 * The content words of `text` as query terms, in order of first appearance, at most `max`: folded,
 * split on anything but letters and digits, stop words and one-character words dropped. A word is
 * matched by the part it shares with its stem ("blocos" -> "bloco"*, "strategies" -> "strateg"*), so
 * plural and singular find each other.
 */
export function lexicalTerms(text: string, max = MAX_LEXICAL_TERMS): LexicalTerm[] {
  const terms = new Map<string, LexicalTerm>();
  for (const word of fold(text).match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (terms.size >= max) break;
    if (word.length < 2 || word.length > MAX_TERM_CHARS || STOPWORDS.has(word)) continue;
    const root = commonPrefix(word, stem(word));
    const term =
      root.length >= MIN_PREFIX_CHARS ? { text: root, prefix: true } : { text: word, prefix: false };
    terms.set(`${term.text}${term.prefix ? "*" : ""}`, term);
  }
  return [...terms.values()];
}

/** An FTS5 string literal: double quotes, inner quotes doubled; nothing inside is syntax. */
function quote(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/**
 * The FTS5 MATCH expression for `terms` within one context fingerprint:
 * `fingerprint : "<fp>" AND question : ("order"* OR "block"* OR ...)`, or undefined when there is no
 * term to search for (a question of stop words and punctuation only).
 */
export function ftsMatchExpression(fingerprint: string, terms: readonly LexicalTerm[]): string | undefined {
  if (terms.length === 0) return undefined;
  const phrases = terms.map((t) => `${quote(t.text)}${t.prefix ? "*" : ""}`);
  return `fingerprint : ${quote(fingerprint)} AND question : (${phrases.join(" OR ")})`;
}
