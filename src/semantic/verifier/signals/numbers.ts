/** @module Numbers and quantities (percentages, currency, units, number words) for the match verifier. */

import { compareSets, fold, list } from "../text";
import type { Conflict } from "../types";

const UNITS =
  "%|percent|por\\s?cento|pips?|bps|x|k|mil|mi|bi|m|mm|cm|km|kg|g|mg|lbs?|ms|s|sec|h|hrs?|min|d|gb|mb|kb|tb|" +
  "°c|°f|c|f|usd|eur|brl|reais|dolares|dollars?|euros?|years?|anos?|days?|dias?|months?|meses|weeks?|semanas?|" +
  "hours?|horas?|minutes?|minutos?|kgs?|kilos?|pounds?|miles?|meters?|metros?|gbs?";

/** Currency prefix, number, optional unit suffix. The look-behind keeps `gpt-4` and `python3` out. */
const QUANTITY = new RegExp(
  `(r\\$|us\\$|[$€£¥])?\\s?(?<![\\p{L}\\p{N}_.\\-/])(\\d+(?:[.,]\\d+)*)(?![.,]?\\d)(?:\\s?(${UNITS})(?![\\p{L}\\p{N}]))?`,
  "gu",
);

const NUMBER_WORDS: Readonly<Record<string, string>> = {
  two: "2",
  three: "3",
  four: "4",
  five: "5",
  six: "6",
  seven: "7",
  eight: "8",
  nine: "9",
  ten: "10",
  twelve: "12",
  twenty: "20",
  hundred: "100",
  dois: "2",
  duas: "2",
  tres: "3",
  quatro: "4",
  cinco: "5",
  seis: "6",
  sete: "7",
  oito: "8",
  nove: "9",
  dez: "10",
  doze: "12",
  vinte: "20",
  cem: "100",
};

const UNIT_ALIASES: Readonly<Record<string, string>> = {
  percent: "%",
  "por cento": "%",
  porcento: "%",
  r$: "brl",
  reais: "brl",
  us$: "usd",
  $: "usd",
  dollars: "usd",
  dollar: "usd",
  dolares: "usd",
  "€": "eur",
  euros: "eur",
  euro: "eur",
};

/** "1.000" / "1,000" are thousands; "1,5" is a Portuguese decimal. */
function parseNumber(raw: string): string {
  if (/^\d{1,3}([.,]\d{3})+$/.test(raw)) return String(Number(raw.replace(/[.,]/g, "")));
  return String(Number(raw.replace(",", ".")));
}

function unitKey(unit: string | undefined): string {
  if (!unit) return "";
  const u = unit.replace(/\s+/g, " ");
  return UNIT_ALIASES[u] ?? u.replace(/s$/, "");
}

/** A 4-digit 1500-2099 number without unit or currency is a year: {@link dates} owns it. */
function isBareYear(value: string, currency: string | undefined, unit: string | undefined): boolean {
  return !currency && !unit && /^(1[5-9]|20)\d\d$/.test(value);
}

/**
 * Extracts normalised quantities such as `2%`, `usd100`, `10kg`, `3`. Version numbers (`1.2.3`) and
 * digits glued to letters (`gpt-4`, `python3`) are identifiers, not quantities.
 */
export function extractQuantities(text: string): string[] {
  const folded = fold(text);
  const out: string[] = [];
  for (const m of folded.matchAll(QUANTITY)) {
    const [, currency, raw = "", unit] = m;
    if (/\d+\.\d+\.\d+/.test(raw)) continue;
    if (isBareYear(raw, currency, unit)) continue;
    const cur = currency ? unitKey(currency) : "";
    const suffix = unitKey(unit);
    // "$100" and "100 dollars" are the same amount.
    const unitPart = cur && !suffix ? cur : suffix;
    out.push(`${parseNumber(raw)}${unitPart}`);
  }
  for (const word of folded.match(/\p{L}+/gu) ?? []) {
    const digits = NUMBER_WORDS[word];
    if (digits) out.push(digits);
  }
  return out;
}

/** Numeric value of a quantity key, ignoring its unit. */
function numericPart(key: string): string {
  return key.match(/^[\d.]+/)?.[0] ?? key;
}

/**
 * Rejects when the two texts carry different quantities ("risk 1%" vs "risk 2%"). A quantity whose
 * number matches but whose unit was dropped ("2%" vs "2 percent" vs "2") is not a conflict.
 */
export function numberConflict(query: string, candidate: string): Conflict | null {
  const { onlyA, onlyB, substituted } = compareSets(extractQuantities(query), extractQuantities(candidate));
  if (!substituted) return null;
  const valuesA = new Set(onlyA.map(numericPart));
  const realB = onlyB.filter((k) => !valuesA.has(numericPart(k)));
  if (realB.length === 0) return null;
  return { kind: "number", detail: `${list(onlyA)} vs ${list(onlyB)}` };
}

/** Quantities present on one side only (softer evidence, used as a feature). */
export function oneSidedQuantities(query: string, candidate: string): number {
  const { onlyA, onlyB } = compareSets(extractQuantities(query), extractQuantities(candidate));
  return onlyA.length + onlyB.length;
}
