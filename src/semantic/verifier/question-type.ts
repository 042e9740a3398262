/** @module The kind of question a prompt asks (what, how, why, ...), in English and Portuguese. */

import { words } from "./text";

/** Question kinds; Portuguese words map to their English kind. */
export type QuestionType = "what" | "how" | "why" | "which" | "where" | "when" | "who" | "whether";

const TYPES: ReadonlyMap<string, QuestionType> = new Map([
  ["what", "what"],
  ["whats", "what"],
  ["how", "how"],
  ["why", "why"],
  ["which", "which"],
  ["where", "where"],
  ["when", "when"],
  ["who", "who"],
  ["whom", "who"],
  ["whose", "who"],
  ["como", "how"],
  ["porque", "why"],
  ["qual", "which"],
  ["quais", "which"],
  ["onde", "where"],
  ["quando", "when"],
  ["quem", "who"],
  // Yes/no questions lead with an auxiliary.
  ["is", "whether"],
  ["are", "whether"],
  ["can", "whether"],
  ["should", "whether"],
  ["do", "whether"],
  ["does", "whether"],
  ["will", "whether"],
]);

/** The first question word's kind ("por que" -> why, "o que" -> what), or null for a statement. */
export function questionType(text: string): QuestionType | null {
  const ws = words(text);
  for (const [i, w] of ws.entries()) {
    const next = ws[i + 1];
    if ((w === "por" || w === "pra") && next === "que") return "why";
    if (w === "que" && i > 0 && ws[i - 1] === "o") return "what";
    const type = TYPES.get(w);
    // Auxiliaries count only when they open the sentence ("Is it...", not "what is").
    if (type && (type !== "whether" || i === 0)) return type;
  }
  return null;
}

/** 1 when both prompts ask a question and of different kinds ("how" vs "why"), else 0. */
export function questionTypeMismatch(a: string, b: string): number {
  const ta = questionType(a);
  const tb = questionType(b);
  return ta && tb && ta !== tb ? 1 : 0;
}
