/**
 * @module Word forms for the rule verifier: a crude English/Portuguese lemma (inflection stripped) and
 * the tests that decide whether two different words are the same word (inflection, derivation of one
 * stem, spelling variant) rather than two words (a sibling, an antonym made by a prefix).
 */

/** Inflectional and light derivational endings, longest first; what remains must keep 4+ letters. */
const SUFFIXES = [
  // Portuguese (folded: ção -> cao, ões -> oes)
  "amentos",
  "amento",
  "mente",
  "coes",
  "cao",
  "oes",
  "ando",
  "endo",
  "indo",
  "adas",
  "ados",
  "idas",
  "idos",
  "ada",
  "ado",
  "ida",
  "ido",
  "aram",
  "ais",
  "eis",
  // English
  "ations",
  "ation",
  "ments",
  "ment",
  "ings",
  "ing",
  "ied",
  "ies",
  "ed",
  "es",
  "ly",
  // Both: plurals and verb endings
  "am",
  "em",
  "ar",
  "er",
  "ir",
  "ou",
  "s",
  "e",
  "a",
  "o",
];

/** Endings that are not inflections although they look like one ("class", "analysis", "bonus"). */
const KEEP = /(ss|us|is)$/;

/** Lower-level root of a folded word: its longest listed ending removed when 4+ letters remain. */
export function lemma(word: string): string {
  if (/\d/.test(word) || KEEP.test(word)) return word;
  // Short plurals: "ways", "jobs", "bags" (but not "bus", "gas": KEEP and the vowel check).
  if (word.length <= 4) return word.length === 4 && /[^aeiou]s$/.test(word) ? word.slice(0, -1) : word;
  for (const suffix of SUFFIXES) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 4) {
      const root = word.slice(0, -suffix.length);
      // "ies" -> "y" keeps "strategies" and "strategy" together.
      return suffix === "ies" || suffix === "ied" ? `${root}y` : root;
    }
  }
  return word;
}

const INFLECTIONS = new Set(
  "s es e ed d ing ings o a os as ar er ir am em ou ado ada ados adas ando ei amos".split(" "),
);
const DERIVATIONS = new Set(
  "ion ions ation ations ment ments ate ated ates ating ator ators ao oes cao coes mento mentos al ive".split(
    " ",
  ),
);

/** Whether two endings after a shared stem make forms of one word. */
function endingsAgree(x: string, y: string): boolean {
  const known = (e: string): boolean => INFLECTIONS.has(e) || DERIVATIONS.has(e);
  if (x === "" || y === "") return INFLECTIONS.has(x || y);
  return known(x) && known(y);
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Levenshtein distance, capped: returns `cap + 1` as soon as the distance must exceed `cap`. */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      row.push(v);
      best = Math.min(best, v);
    }
    if (best > cap) return cap + 1;
    prev = row;
  }
  return prev[b.length] ?? cap + 1;
}

/**
 * Whether two folded words are forms of one word: equal lemmas, one stem with a short ending each
 * ("calculate"/"calculo", "invest"/"investment"), or a one-letter spelling variant of a long word
 * ("colour"/"color", "analyse"/"analyze"). The shared beginning must be long: a different prefix
 * ("inflation"/"deflation", "uptrend"/"downtrend", "micro"/"macro") is a different word.
 */
export function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  if (/\d/.test(a) || /\d/.test(b)) return false;
  return lemma(a) === lemma(b) || relatedForms(a, b);
}

/**
 * The part of {@link sameWord} beyond equal lemmas: one stem with two endings, or a one-edit spelling
 * variant. Cheap enough to scan a prompt's words with.
 */
export function relatedForms(a: string, b: string): boolean {
  const shared = commonPrefix(a, b);
  const shorter = Math.min(a.length, b.length);
  if (shared < 4 || shorter < 5 || /\d/.test(a) || /\d/.test(b)) return false;
  // One stem with two endings ("calculate"/"calculation"/"calculo"): 5+ shared letters, and a bare
  // word only takes an inflection ("product"/"products", not "product"/"production").
  if (shared >= 5 && shared >= shorter - 2 && endingsAgree(a.slice(shared), b.slice(shared))) return true;
  // Spelling variants (and cognates: "indicator"/"indicador") differ late in a word, by one edit.
  return a.at(-1) === b.at(-1) && editDistance(a, b, 1) <= 1;
}
