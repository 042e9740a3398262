/** @module Dates and periods (years, months, weekdays, quarters, relative periods) in English and Portuguese. */

import { compareSets, fold, list } from "../text";
import type { Conflict } from "../types";

const MONTHS_EN = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];
const MONTHS_PT = [
  "janeiro",
  "fevereiro",
  "marco",
  "abril",
  "maio",
  "junho",
  "julho",
  "agosto",
  "setembro",
  "outubro",
  "novembro",
  "dezembro",
];
const WEEKDAYS_EN = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const WEEKDAYS_PT = ["segunda", "terca", "quarta", "quinta", "sexta", "sabado", "domingo"];

/** Words that name a day relative to now; keys are language-neutral so "ontem" equals "yesterday". */
const RELATIVE_DAYS: Readonly<Record<string, string>> = {
  yesterday: "day-1",
  today: "day0",
  tonight: "day0",
  tomorrow: "day+1",
  ontem: "day-1",
  hoje: "day0",
  amanha: "day+1",
  anteontem: "day-2",
};

const PERIOD_UNITS: Readonly<Record<string, string>> = {
  week: "week",
  weekend: "weekend",
  month: "month",
  year: "year",
  quarter: "quarter",
  semana: "week",
  mes: "month",
  ano: "year",
  trimestre: "quarter",
};

const ORDINALS: Readonly<Record<string, string>> = {
  first: "1",
  "1st": "1",
  second: "2",
  "2nd": "2",
  third: "3",
  "3rd": "3",
  fourth: "4",
  "4th": "4",
  primeiro: "1",
  segundo: "2",
  terceiro: "3",
  quarto: "4",
};

/** "last week", "next month", "this year", "semana passada", "próximo mês", "este ano". */
function relativePeriods(text: string): string[] {
  const out: string[] = [];
  const en = /\b(last|past|previous|next|coming|this|current)\s+(week|weekend|month|year|quarter)\b/g;
  for (const [, when = "", unit = ""] of text.matchAll(en)) {
    const dir = /last|past|previous/.test(when) ? "-1" : /next|coming/.test(when) ? "+1" : "0";
    out.push(`${unit}${dir}`);
  }
  const ptAfter = /\b(semana|mes|ano|trimestre)\s+(passad[oa]|anterior|que vem|seguinte)\b/g;
  for (const [, unit = "", when = ""] of text.matchAll(ptAfter)) {
    out.push(`${PERIOD_UNITS[unit] ?? unit}${/passad|anterior/.test(when) ? "-1" : "+1"}`);
  }
  const ptBefore = /\b(proxim[oa]|ultim[oa]|est[ea]|nest[ea])\s+(semana|mes|ano|trimestre)\b/g;
  for (const [, when = "", unit = ""] of text.matchAll(ptBefore)) {
    const dir = when.startsWith("prox") ? "+1" : when.startsWith("ult") ? "-1" : "0";
    out.push(`${PERIOD_UNITS[unit] ?? unit}${dir}`);
  }
  return out;
}

function quarters(text: string): string[] {
  const out: string[] = [];
  for (const [, q = ""] of text.matchAll(/\b[qh]([1-4])\b/g)) out.push(`q${q}`);
  const named = /\b(first|1st|second|2nd|third|3rd|fourth|4th)\s+quarter\b/g;
  for (const [, o = ""] of text.matchAll(named)) out.push(`q${ORDINALS[o]}`);
  const pt = /\b(primeiro|segundo|terceiro|quarto|[1-4][oº]?)\s+trimestre\b/g;
  for (const [, o = ""] of text.matchAll(pt)) out.push(`q${ORDINALS[o] ?? o.charAt(0)}`);
  return out;
}

/** "May" is a month only when capitalised mid-sentence or next to a day or year number. */
function isMonth(word: string, original: string, index: number): boolean {
  if (word !== "may") return true;
  const capitalisedMidSentence = index > 0 && original.startsWith("May", index);
  return capitalisedMidSentence || /\d/.test(original.slice(Math.max(0, index - 4), index + 9));
}

/** Extracts normalised date keys: `y2024`, `m5`, `wd1`, `q3`, `day-1`, `week+1`. */
export function extractDates(text: string): string[] {
  const folded = fold(text);
  const out: string[] = [];
  for (const [, y = ""] of folded.matchAll(/(?<![\d.,$])\b((?:1[5-9]|20)\d\d)\b(?![.,]?\d|%)/g))
    out.push(`y${y}`);
  for (const m of folded.matchAll(/\p{L}+/gu)) {
    const word = m[0];
    const month = MONTHS_EN.indexOf(word) + 1 || MONTHS_PT.indexOf(word) + 1;
    if (month > 0 && isMonth(word, text, m.index ?? 0)) out.push(`m${month}`);
    const wd = WEEKDAYS_EN.indexOf(word) + 1 || WEEKDAYS_PT.indexOf(word) + 1;
    // Portuguese weekdays double as ordinals ("segunda guerra"), so require "-feira" for them.
    const ptNeedsFeira = WEEKDAYS_PT.includes(word) && word !== "sabado" && word !== "domingo";
    const isWeekday = wd > 0 && (!ptNeedsFeira || folded.startsWith("-feira", (m.index ?? 0) + word.length));
    if (isWeekday) out.push(`wd${wd}`);
    const rel = RELATIVE_DAYS[word];
    if (rel) out.push(rel);
  }
  return [...out, ...quarters(folded), ...relativePeriods(folded)];
}

/** Rejects when the texts name different dates or periods ("2023" vs "2024", "ontem" vs "amanhã"). */
export function dateConflict(query: string, candidate: string): Conflict | null {
  const { onlyA, onlyB, substituted } = compareSets(extractDates(query), extractDates(candidate));
  if (!substituted) return null;
  return { kind: "date", detail: `${list(onlyA)} vs ${list(onlyB)}` };
}

/** Date keys present on one side only (softer evidence, used as a feature). */
export function oneSidedDates(query: string, candidate: string): number {
  const { onlyA, onlyB } = compareSets(extractDates(query), extractDates(candidate));
  return onlyA.length + onlyB.length;
}
