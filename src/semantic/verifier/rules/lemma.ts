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

/**
 * English forms no ending explains: irregular plurals and the past forms of common irregular verbs,
 * each mapped to its base ("women" is "woman", "bought" is "buy"). Morphology, not synonyms: every
 * pair is the same word in another grammatical form.
 */
const IRREGULAR_SOURCE = `
man men
woman women
child children
person people persons
foot feet
tooth teeth
mouse mice
goose geese
life lives
wife wives
knife knives
half halves
leaf leaves
wolf wolves
thief thieves
go goes went gone
do does did done
make made
get got gotten
take took taken
give gave given
think thought
buy bought
bring brought
teach taught
catch caught
fight fought
seek sought
say said
find found
feel felt
keep kept
leave left
lose lost
pay paid
sell sold
tell told
write wrote written
run ran
begin began begun
become became
come came
eat ate eaten
drink drank drunk
see saw seen
know knew known
grow grew grown
throw threw thrown
fly flew flown
draw drew drawn
speak spoke spoken
break broke broken
choose chose chosen
drive drove driven
ride rode ridden
rise rose risen
forget forgot forgotten
hide hid hidden
steal stole stolen
wear wore worn
swim swam swum
sing sang sung
win won
build built
send sent
spend spent
lend lent
hold held
stand stood
understand understood
meet met
sleep slept
lead led
hear heard
mean meant
`;

const IRREGULAR: ReadonlyMap<string, string> = new Map(
  IRREGULAR_SOURCE.trim()
    .split("\n")
    .flatMap((line) => {
      const [base = "", ...forms] = line.split(" ");
      return forms.map((f) => [f, base] as const);
    }),
);

/** Number words and the digits they stand for: "3 tips" and "three tips" ask the same. */
const NUMBER_WORDS: ReadonlyMap<string, string> = new Map(
  (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " +
    "seventeen eighteen nineteen twenty"
  )
    .split(" ")
    .map((w, i) => [w, String(i + 1)] as const),
);

/**
 * A root left by "-ing"/"-ed" that lost a final "e" ("making" -> "mak", "used" -> "us"): two or three
 * letters ending in a vowel and one consonant. Roots ending in a vowel ("ne" of "need") or in two
 * consonants ("str" of "string") did not.
 */
const SHORT_ROOT_LOST_E = /^[^aeiou]?[aeiou][^aeiouwxy]$/;

/** A doubled final consonant before "-ing"/"-ed" ("getting", "stopped"), except l, s, f, z ("filling"). */
const DOUBLED = /([^aeioulsfz])\1$/;

/**
 * Dictionary forms an English word may be an inflection of, for looking it up in a word list:
 * "cities" -> city, "bought" -> buy, "making" -> make, "stopped" -> stop. Candidates, not all words.
 */
export function englishBases(word: string): string[] {
  const out = [word];
  const irregular = IRREGULAR.get(word);
  if (irregular) out.push(irregular);
  const strip = (suffix: string, ...endings: string[]): void => {
    if (!word.endsWith(suffix) || word.length - suffix.length < 2) return;
    const root = word.slice(0, -suffix.length);
    for (const e of endings) out.push(`${root}${e}`);
    if (DOUBLED.test(root)) out.push(root.slice(0, -1));
  };
  strip("ies", "y");
  strip("ied", "y");
  strip("es", "");
  strip("s", "");
  strip("ed", "", "e");
  strip("ing", "", "e");
  strip("er", "", "e");
  strip("est", "", "e");
  strip("ly", "");
  return out;
}

/** Lower-level root of a folded word: its longest listed ending removed when 4+ letters remain. */
export function lemma(word: string): string {
  const irregular = IRREGULAR.get(word) ?? NUMBER_WORDS.get(word);
  if (irregular !== undefined) return irregular;
  if (/\d/.test(word) || KEEP.test(word)) return word;
  for (const suffix of ["ing", "ed"]) {
    const root = word.slice(0, -suffix.length);
    if (word.endsWith(suffix) && SHORT_ROOT_LOST_E.test(root)) return `${root}e`;
  }
  // Short plurals: "ways", "jobs", "bags" (but not "bus", "gas": KEEP and the vowel check).
  if (word.length <= 4) return word.length === 4 && /[^aeiou]s$/.test(word) ? word.slice(0, -1) : word;
  // "cities" -> "city": three letters are enough before "-ies".
  if (word.length === 6 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  for (const suffix of SUFFIXES) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 4) {
      const root = word.slice(0, -suffix.length);
      // "ies" -> "y" keeps "strategies" and "strategy" together.
      if (suffix === "ies" || suffix === "ied") return `${root}y`;
      if ((suffix === "ing" || suffix === "ed") && DOUBLED.test(root)) return root.slice(0, -1);
      return root;
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
