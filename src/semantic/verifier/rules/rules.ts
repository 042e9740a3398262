/**
 * @module The rule verdict on a pair of prompts: hard conflicts, template slots, the question frame's
 * intent and the alignment of content terms. Rules hold for any pair (no list of cases seen): a
 * candidate is accepted only when every content term on each side has a counterpart, and rejected when
 * a term is substituted by another or a qualifying term appears on one side only.
 */

import { matchBoth, type TemplateRegistry } from "../../templates";
import { describeConflict, findConflicts } from "../signals/conflicts";
import type { Conflict } from "../types";
import { alignTerms, contentTerms } from "./align";
import { type Framed, type Intent, stripFrame } from "./frame";
import { lemma } from "./lemma";
import { DOMAIN_WORDS } from "./lexicon";

/** `accept`: the prompts provably ask the same; `reject`: they differ; `open`: the rules cannot tell. */
export type RuleVerdict = "accept" | "reject" | "open";

/** What the rules found. */
export interface RuleResult {
  readonly verdict: RuleVerdict;
  readonly reason: string;
  readonly conflicts: readonly Conflict[];
  /** Content terms with no counterpart (query side, candidate side). */
  readonly onlyQuery: readonly string[];
  readonly onlyCandidate: readonly string[];
}

/**
 * Content terms from which a statement (no question frame, no question mark) counts as long. A
 * paraphrase of a long statement rewrites too many words for term-by-term alignment to hold ("serves
 * as a repository for" / "is a platform to host"), so a difference in terms leaves the verdict `open`
 * for a calibrated score. Questions are always judged term by term, whatever their length.
 */
export const LONG_STATEMENT_TERMS = 8;

/** Above this share of unaligned terms on either side, long statements say different things. */
export const MAX_UNALIGNED_SHARE = 0.45;

const result = (
  verdict: RuleVerdict,
  reason: string,
  extra: Partial<Omit<RuleResult, "verdict" | "reason">> = {},
): RuleResult => ({ verdict, reason, conflicts: [], onlyQuery: [], onlyCandidate: [], ...extra });

const quote = (terms: readonly string[]): string => terms.map((t) => `"${t}"`).join(", ");

/**
 * Intents that ask for the same answer: "What is the best X?" and "Which X is best?". Not "What should
 * I do during X?" and "How does X happen?": advice for a situation is not a method.
 */
const SAME_ANSWER: ReadonlyArray<readonly [Intent, Intent]> = [
  ["explain", "other-which"],
  ["list", "other-which"],
  ["whether", "whether-can"],
];

function intentsAgree(fa: Framed, fb: Framed): boolean {
  const [a, b] = [fa.intent, fb.intent];
  if (a === b || SAME_ANSWER.some(([x, y]) => (a === x && b === y) || (a === y && b === x))) return true;
  // "What are the new features of X?" asks for the members of a set, as "What are some ..." does;
  // "What is X?" asks for a definition and stays apart from a list.
  const listAndPlural = (x: Framed, y: Framed): boolean =>
    x.intent === "list" && y.intent === "explain" && y.plural;
  return listAndPlural(fa, fb) || listAndPlural(fb, fa);
}

/** Runs of symbols that carry meaning ("=" vs "==", "~", "^^", "<?>"), sorted and deduplicated. */
function symbolsOf(text: string): string {
  const runs = text.match(/[^\p{L}\p{N}\s?!.,:;'"“”‘’`/()\-&%$€£#]+/gu) ?? [];
  return [...new Set(runs)].sort().join(" ");
}

/**
 * Two names that appear in both prompts in opposite order ("France ... against Ecuador" vs "Ecuador ...
 * against France", "Croats think of Turks"): the roles swap, so the question does.
 */
function swappedNames(a: readonly string[], b: readonly string[]): [string, string] | null {
  const posB = new Map(b.map((w, i) => [w, i]));
  const shared = a.filter((w, i) => posB.has(w) && a.indexOf(w) === i);
  for (let i = 0; i < shared.length; i++) {
    for (let j = i + 1; j < shared.length; j++) {
      const [x, y] = [shared[i] ?? "", shared[j] ?? ""];
      if ((posB.get(x) ?? 0) > (posB.get(y) ?? 0)) return [x, y];
    }
  }
  return null;
}

/**
 * Words that relate what stands before them to what stands after, one way only: "tofu over bean curd",
 * "current source to voltage source", "LLB from abroad", "Mexican girls like black guys".
 */
const RELATIONS = new Set(
  "to into onto over than from like against after before para que contra de sobre are is sao".split(" "),
);

/**
 * Two terms found once on each side, in opposite order, with the same relation word between them on
 * both sides: the roles swap ("convert X to Y" vs "convert Y to X"), so the question does.
 */
function swappedAroundRelation(a: readonly string[], b: readonly string[]): [string, string] | null {
  const terms = (body: readonly string[]) => body.map((w) => (contentTerms([w]).length > 0 ? lemma(w) : ""));
  const [ta, tb] = [terms(a), terms(b)];
  const once = (t: readonly string[], w: string): boolean => w !== "" && t.indexOf(w) === t.lastIndexOf(w);
  const between = (body: readonly string[], i: number, j: number): Set<string> =>
    new Set(body.slice(Math.min(i, j) + 1, Math.max(i, j)).filter((w) => RELATIONS.has(w)));
  for (let i = 0; i < ta.length; i++) {
    const x = ta[i] ?? "";
    if (!once(ta, x) || !once(tb, x)) continue;
    for (let j = i + 1; j < ta.length; j++) {
      const y = ta[j] ?? "";
      if (y === x || !once(ta, y) || !once(tb, y)) continue;
      const [bx, by] = [tb.indexOf(x), tb.indexOf(y)];
      if (by > bx) continue;
      const relA = between(a, i, j);
      if ([...between(b, by, bx)].some((r) => relA.has(r))) return [a[i] ?? x, a[j] ?? y];
    }
  }
  return null;
}

/**
 * A word that points at something the prompt does not contain: "What animal is this?", "How do I solve
 * this math problem?", "O que significa esse símbolo?", "the output of the following program", "o código
 * abaixo" (not "acima de 100": a comparison). Two such questions can be about different things
 * (two photos, two attachments) whatever their words, so no answer can be verified for them. Time words
 * ("this week", "este ano") point at the calendar, which the exact key and max-age already handle.
 * Accents matter: "está" (is) is not "esta" (this).
 */
const DEICTIC =
  /(?<![\p{L}\p{N}])(?:this|these|those|isto|isso|este|esta|estes|estas|esse|essa|esses|essas|the (?:following|above|below|attached|given)|(?:o|a|os|as) seguintes?|(?:abaixo|acima)(?! d[eoa]s?\b)|em anexo)(?![\p{L}\p{N}])(?! (?:week|month|year|day|morning|afternoon|evening|night|time|season|quarter|weekend|semana|mes|ano|dia|manha|tarde|noite|trimestre)s?\b)/iu;

/** Whether a question points outside itself (see {@link DEICTIC}); statements refer back within their text. */
function pointsOutside(text: string, framed: Framed): boolean {
  return framed.question && DEICTIC.test(text);
}

/** A trailing request for reasons after the question: "Who is your role model, and why?", "...? Why?". */
const AND_WHY = /(?<=[\p{L}\p{N}"')\]?.,])\s*[,?.]?\s*(?:and |e )?(?:why|por que|porque|pq)\s*[?.!]*\s*$/iu;

/**
 * Splits a trailing "and why?" off a prompt. The answer to "What is your favourite book, and why?"
 * holds the answer to "What is your favourite book?", not the other way round: a stored answer that
 * gives reasons may serve a question that asks none, never the reverse.
 */
function splitWhy(text: string): [string, boolean] {
  const m = AND_WHY.exec(text);
  if (!m || m.index < 8) return [text, false];
  return [text.slice(0, m.index), true];
}

/**
 * The numbers of a prompt (number words read as digits) as a sorted multiset: alignment matches terms as a set, so "prove 0! = 1"
 * and "prove 1/1 = 0", or "the 5 in HTML 5" and "HTML 5", would align although the expressions differ.
 */
function numbersOf(body: readonly string[], acronyms: ReadonlySet<string>): string {
  return contentTerms(body, acronyms)
    .map(lemma)
    .filter((w) => /\d/.test(w))
    .sort()
    .join(" ");
}

/**
 * Function words that decide what a one-term question asks: whose ("What is IQ?" / "What is your IQ?"),
 * to whom ("Who can love?" / "Who can love me?") and in what relation ("What is catnip?" / "What is in
 * catnip?", "What is X to you?"). With more content terms the terms carry the question and these words
 * vary freely between paraphrases (measured: on two-term questions a difference in them is mostly
 * duplicates); with one, nothing else does. Articles and "of" ("the meaning of") are left out.
 */
const PREPOSITIONS = new Set("in to about for with at on from".split(" "));
const ANCHORS = new Set([..."my your our his her their me you us him them i we".split(" "), ...PREPOSITIONS]);

/**
 * The {@link ANCHORS} of a prompt body, sorted and deduplicated; not a preposition next to a word that
 * names the domain, which relates nothing ("What does uptrend mean in trading?", "How does trading on
 * margin work?"). Next to other fillers it does: "the best things to Google" / "things about Google".
 */
function anchorsOf(body: readonly string[]): string {
  const domain = (j: number) => DOMAIN_WORDS.has(body[j] ?? "");
  const relatesDomain = (w: string, i: number) => PREPOSITIONS.has(w) && (domain(i + 1) || domain(i - 1));
  const anchors = body.filter((w, i) => ANCHORS.has(w) && !relatesDomain(w, i));
  return [...new Set(anchors)].sort().join(" ");
}

/** Applies the rules to (query, candidate). Never looks at embeddings or fitted weights. */
export function ruleVerdict(query: string, candidate: string, templates?: TemplateRegistry): RuleResult {
  const [q, queryWhy] = splitWhy(query);
  const [c, candidateWhy] = splitWhy(candidate);
  if (queryWhy && !candidateWhy) return result("reject", 'the query also asks why ("and why?")');
  return judge(q, c, templates);
}

function judge(query: string, candidate: string, templates?: TemplateRegistry): RuleResult {
  const conflicts = findConflicts(query, candidate, templates);
  const [first] = conflicts;
  if (first) return result("reject", describeConflict(first), { conflicts });
  const template = templates ? matchBoth(templates, query, candidate) : null;
  if (template) return result("accept", `template "${template.a.id}" with equal slots`);
  const fq = stripFrame(query);
  const fc = stripFrame(candidate);
  if (pointsOutside(query, fq) || pointsOutside(candidate, fc)) {
    return result("reject", "refers to something outside the prompt (this, these, esse...)");
  }
  if (!intentsAgree(fq, fc)) {
    return result("reject", `question type: ${fq.intent} vs ${fc.intent}`);
  }
  const acronyms = new Set([...fq.acronyms, ...fc.acronyms]);
  const { onlyA, onlyB, termsA, termsB } = alignTerms(fq.body, fc.body, acronyms);
  const extra = { onlyQuery: onlyA, onlyCandidate: onlyB };
  const differ = onlyA.length > 0 || onlyB.length > 0;
  const long = (f: Framed, terms: number): boolean => !f.question && terms >= LONG_STATEMENT_TERMS;
  const share = Math.max(onlyA.length / termsA, onlyB.length / termsB);
  if (differ && long(fq, termsA) && long(fc, termsB) && share <= MAX_UNALIGNED_SHARE) {
    return result("open", `long statements differ in ${quote([...onlyA, ...onlyB])}`, extra);
  }
  if (onlyA.length > 0 && onlyB.length > 0) {
    return result("reject", `substituted term: ${quote(onlyA)} vs ${quote(onlyB)}`, extra);
  }
  if (onlyA.length > 0) return result("reject", `qualifier only in the query: ${quote(onlyA)}`, extra);
  if (onlyB.length > 0) return result("reject", `qualifier only in the candidate: ${quote(onlyB)}`, extra);
  if (termsA === 0 && termsB === 0) return result("reject", "no content terms to compare");
  const symbols = [symbolsOf(query), symbolsOf(candidate)];
  if (symbols[0] !== symbols[1]) {
    return result("reject", `symbols differ: "${symbols[0]}" vs "${symbols[1]}"`, extra);
  }
  const anchors = [anchorsOf(fq.body), anchorsOf(fc.body)];
  if (Math.max(termsA, termsB) <= 1 && anchors[0] !== anchors[1]) {
    return result(
      "reject",
      `one-term question, its person or relation differs: "${anchors[0]}" vs "${anchors[1]}"`,
      extra,
    );
  }
  const numbers = [numbersOf(fq.body, acronyms), numbersOf(fc.body, acronyms)];
  if (numbers[0] !== numbers[1]) {
    return result("reject", `numbers differ in count: "${numbers[0]}" vs "${numbers[1]}"`, extra);
  }
  const swapped = swappedNames(fq.names, fc.names) ?? swappedAroundRelation(fq.body, fc.body);
  if (swapped) return result("reject", `order: "${swapped[0]}" and "${swapped[1]}" swap places`, extra);
  return result("accept", `every content term aligned (${termsA}/${termsB})`, extra);
}
