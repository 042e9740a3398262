/**
 * @module The question frame: "what is", "explain", "can you tell me", "what does X mean", "o que é",
 * "explique", "me explica", "o que significa"... Stripped off a prompt before its content terms are
 * compared, and reduced to an intent so "What is X?" and "Explain X" ask the same while "How do I X?"
 * and "Why X?" do not.
 */

import { fold } from "../text";

/**
 * What a prompt asks for. `explain` covers definitions and explanations (what is, explain, define,
 * meaning of, how does X work, which are); `how` a method; `whether` a yes/no or advice question.
 */
export type Intent =
  | "explain"
  | "mechanism"
  | "experience"
  | "what-do"
  | "what-can"
  | "what-should"
  | "what-will"
  | "how"
  | "why"
  | "when"
  | "where"
  | "who"
  | "whether"
  | "whether-can"
  | "whether-will"
  | "advice"
  | "list"
  | "count"
  | `other-${string}`;

/** The frame of a prompt and the words it leaves. */
export interface Framed {
  readonly intent: Intent;
  /** Folded words after the frame, in order. */
  readonly body: readonly string[];
  /** Whether the prompt asks something (a question frame or a question mark) rather than states it. */
  readonly question: boolean;
  /** Words written in capitals (acronyms such as IT or US) or in quotes: content words even if stop words. */
  readonly acronyms: ReadonlySet<string>;
  /** Words written with a capital initial after the first word (names), folded. */
  readonly names: readonly string[];
  /** The frame asked in the plural ("What are X?"): it asks for the members of X, like a list does. */
  readonly plural: boolean;
}

/** Politeness and request openers, dropped wherever they start the prompt (repeatedly). */
const OPENERS =
  /^(?:(?:hi|hello|hey|ola|oi|please|por favor|pls|ok|so|and|e|entao|then|now|agora|quick question|pergunta)\b[\s,:!]*|(?:can|could|would|will) you (?:please )?|(?:voce )?(?:pode|poderia|podes|consegue|conseguiria) (?:me )?|i (?:want|would like|wanted|need|d like) to (?:know|understand|learn)(?: more)? ?|(?:eu )?(?:quero|queria|gostaria de|preciso) (?:saber|entender|aprender) ?|help me (?:understand|with) |me ajude? a entender |do you know |voce sabe |tell me |me (?=explica|explique|diga|diz|conte|conta|fale|fala|ajuda)|me (?:diga|diz|conte|conta|fale|fala) |let me know )/;

/** Frames at the start of the (opener-free) prompt, tried in order; the first that matches wins. */
const FRAMES: ReadonlyArray<readonly [RegExp, Intent]> = [
  [
    /^(?:what|which) (?:is|are|s|was|were) (?:the )?(?:meaning|definition|concept|idea) (?:of|behind) /,
    "explain",
  ],
  [/^what (?:does|do|did) (?=.+ (?:mean|means|stand for|refer to|represent)\b)/, "explain"],
  [/^what is (?:meant|understood) by /, "explain"],
  [/^how (?:does|do) (?=.+ (?:work|function)\b)/, "mechanism"],
  [/^how (?=.+ works?\b)/, "mechanism"],
  [/^what (?:is|s|was|are) (?:it|they) like (?:to (?:be|have|live|work|study) )?/, "experience"],
  [/^what (?:can|could|should|must) (?:i|we|you|one) do to /, "how"],
  [/^what (?:does|do|did) /, "what-do"],
  [/^what (?:can|could) /, "what-can"],
  [/^what (?:should|must) /, "what-should"],
  [/^what (?:will|would) /, "what-will"],
  [/^what (?:is|s) (?:the )?(?:best |right |correct |easiest |fastest )?(?:way|method) to /, "how"],
  [
    /^(?:what|which) (?:are|re) (?:some|the (?:best|top|most|main|different|various)|good|(?:some )?(?:good|great|common|popular|examples))\b ?(?:of (?:the )?)?/,
    "list",
  ],
  [/^(?:name|list|give me|recommend|suggest) (?:some|a few|the best|the top|examples of)\b ?/, "list"],
  [/^qua(?:l|is) (?:sao )?(?:os|as) (?:melhores|principais|mais)\b ?/, "list"],
  [/^(?:what|which) (?:is|are|s|re|was|were) /, "explain"],
  [/^whats? /, "explain"],
  [
    /^(?:explain|define|describe|clarify|summari[sz]e)\b(?: to me| for me)? (?:what|how)? ?(?:is |are )?/,
    "explain",
  ],
  [
    /^(?:give|provide) (?:me )?(?:an? )?(?:explanation|definition|overview|description|summary) (?:of|for|about) /,
    "explain",
  ],
  [/^(?:an? )?(?:explanation|definition|overview) (?:of|for) /, "explain"],
  [/^(?:about|sobre) /, "explain"],
  [/^(?:o )?que (?:e|sao|significa|quer dizer|seria|seriam|vem a ser) /, "explain"],
  [/^(?:o )?que (?:e|sao) que /, "explain"],
  [/^qua(?:l|is) (?:e |sao )?(?:o |a |os |as )?(?:significado|definicao|conceito) d[eoa]s? /, "explain"],
  [/^qua(?:l|is) (?:e |sao )?/, "explain"],
  [/^como funcionam? /, "mechanism"],
  [/^como (?=.+ funcionam?\b)/, "mechanism"],
  [
    /^(?:explique|explicar|explicai|explica|defina|definir|descreva|descrever|resuma|fale|fala)\b(?: (?:para|pra) mim)?(?: sobre| o que (?:e|sao)| como)? ?/,
    "explain",
  ],
  [/^(?:significado|definicao|conceito) d[eoa]s? /, "explain"],
  [
    /^(?:how (?:do|can|should|would|could|to|does one|might) (?:i |we |you |one )?|how (?:i|we|you|one) (?:can|could|should|will|would|do|may|might|must) |how is |how are |what is the (?:best |right |correct |easiest )?(?:way|method) to |what are the (?:best )?(?:ways|steps) to |(?:steps|ways) to )/,
    "how",
  ],
  [
    /^(?:como (?:(?:eu|se|posso|podemos|devo|faco para|faco pra|fazer para|fazer pra|se faz para) )*|qual (?:e )?a (?:melhor )?(?:forma|maneira|jeito) de )/,
    "how",
  ],
  [/^(?:why|por que|porque|pq) /, "why"],
  [/^(?:when|quando) /, "when"],
  [/^(?:where|onde) /, "where"],
  [/^(?:who|whom|whose|quem) /, "who"],
  [/^(?:how (?:many|much)|quant[oa]s?) /, "count"],
  // "How safe is it to X?" asks what "Is it safe to X?" does: the degree of one property.
  [/^how (?=(?!(?:many|much|long|often|far|old|come)\b)[a-z]+ (?:is|are|was|were) )/, "whether"],
  [
    /^(?:should|shall|is it (?:a )?(?:good|bad|wise|smart|worth)(?: idea| time)?(?: to)?|is now (?:a )?good time to|devo|deveria|vale a pena|e bom|e uma boa ideia) /,
    "advice",
  ],
  [/^(?:is it (?:true|a fact) that|e verdade que) /, "whether"],
  [/^(?:can|could|is it possible to|posso|pode|da para|da pra) /, "whether-can"],
  [/^(?:will|would|is it going to|vai|sera que) /, "whether-will"],
  [/^(?:is it|is|are|am|was|were|do|does|did|has|have|had|e|sao) /, "whether"],
];

/** Endings of a request: "X in simple terms", "please". */
const TAILS =
  /(?:\s+(?:please|por favor|in simple terms|em termos simples|simply|briefly|for me|pra mim|para mim|in detail|em detalhes?))+$/;

/** The verb that belongs to the frame of one intent: "what does X mean (in Y)", "how does X work". */
const INTENT_VERBS: Partial<Record<Intent, RegExp>> = {
  explain: /\s+(?:mean|means|stand for|refer to|represent|significa|quer dizer)\b/,
  "what-do": /\s+do$/,
  mechanism: /\s+(?:work|works|function|funciona|funcionam)\b/,
};

/** Words that ask for a pick: "What is the best X?", "What is a good X?", "What is an example of X?". */
const SUPERLATIVE =
  /\b(?:best|top|greatest|good|better|examples?|melhor|melhores|principais|bons|boas|exemplos?)\b/;

/** A frame in the plural: "what are", "which were", "quais sao". */
const PLURAL_FRAME = /^(?:(?:what|which) (?:are|re|were)|quais (?:sao|foram)|o que sao)\b/;

/** A prompt that opens with a question word no frame knows ("How sanitary are...") asks something else. */
const QUESTION_WORD = /^(?:what|which|how|why|when|where|who|whose|que|qual|quais|como|quando|onde|quem)\b/;

/** Folds, drops punctuation and splits a frame off the prompt. */
export function stripFrame(prompt: string): Framed {
  // Capitals around a slash are one abbreviation: "P/E" is "PE" (price to earnings), "P/VP", "R/R";
  // "on/by" is two words.
  const text = prompt.replace(/(?<![\p{L}\p{N}])(\p{Lu}{1,2})\/(\p{Lu}{1,2})(?![\p{L}\p{N}/])/gu, "$1$2");
  let s = fold(text)
    .replace(/[’`]/g, "'")
    .replace(/'s\b/g, " s")
    // One letter joined by a hyphen is part of the word: "u-substitution", "t-test", "e-mail".
    .replace(/(?<![\p{L}\p{N}])(\p{L})-(?=\p{L}{2})/gu, "$1")
    .replace(/[^\p{L}\p{N}%$#+.'-]+/gu, " ")
    .replace(/(?<!\d)[.'-]|[.'-](?!\d)/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  for (let before = ""; before !== s; ) {
    before = s;
    s = s.replace(OPENERS, "");
  }
  s = s.replace(TAILS, "");
  const opener = QUESTION_WORD.exec(s)?.[0];
  let intent: Intent = opener ? `other-${opener}` : "explain";
  let question = text.includes("?") || opener !== undefined;
  const plural = PLURAL_FRAME.test(s);
  for (const [pattern, kind] of FRAMES) {
    if (pattern.test(s)) {
      intent = kind;
      question = true;
      s = s.replace(pattern, "");
      break;
    }
  }
  const verb = INTENT_VERBS[intent];
  if (verb) s = s.replace(verb, "");
  // "What is the best X?" asks for a pick, like "What are the best Xs?", not for a definition; a
  // statement that names the best or good X asks nothing ("Some good examples are...").
  if (intent === "explain" && question && SUPERLATIVE.test(s)) intent = "list";
  const raw = text.match(/[\p{L}\p{N}]+/gu) ?? [];
  // Capitals mark acronyms ("IT", "US") and one-letter names ("vitamin D", "C", "plan B").
  const acronyms = new Set(
    raw.filter((w, i) => /^\p{Lu}{2,}$/u.test(w) || (i > 0 && /^\p{Lu}$/u.test(w) && w !== "I")).map(fold),
  );
  // Quoted words are what the question is about, stop words included ("will" vs "would").
  for (const [, inner = ""] of text.matchAll(/["“]+([^"“”]{1,40})["”]+/gu)) {
    for (const w of inner.match(/[\p{L}\p{N}]+/gu) ?? []) acronyms.add(fold(w));
  }
  const names = raw
    .slice(1)
    .filter((w) => /^\p{Lu}\p{Ll}/u.test(w))
    .map((w) => fold(w));
  return { intent, body: s.split(" ").filter((w) => w.length > 0), question, acronyms, names, plural };
}
