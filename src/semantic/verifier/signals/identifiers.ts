/** @module Tickers, currency pairs, code identifiers and version numbers for the match verifier. */

import { compareSets, list, rawTokens } from "../text";
import type { Conflict } from "../types";

/** Abbreviations that look like dotted code names. */
const ABBREVIATIONS = /^(e\.g|i\.e|etc|vs|a\.k\.a|p\.ex|ex)\.?$/i;

/** Upper-case words that are ordinary words or question scaffolding, not identifiers. */
const NOT_IDENTIFIERS: ReadonlySet<string> = new Set([
  "I",
  "A",
  "OK",
  "PS",
  "AM",
  "PM",
  "VS",
  "EU",
  "UM",
  "OU",
]);

/** Text written in capitals throughout: case carries no information there. */
function isShouting(text: string): boolean {
  const letters = text.replace(/[^\p{L}]/gu, "");
  const upper = letters.replace(/[^\p{Lu}]/gu, "");
  return letters.length > 12 && upper.length / letters.length > 0.6;
}

/** `EUR/USD`, `BTC-USD`, `btc/usdt`: base and quote order matters, so keep it. */
function currencyPair(token: string): string | null {
  const m = token.match(/^([A-Za-z]{3,5})[/-]([A-Za-z]{3,5})$/);
  if (!m?.[1] || !m[2]) return null;
  const isUpper = m[1] === m[1].toUpperCase() && m[2] === m[2].toUpperCase();
  return isUpper ? `${m[1]}/${m[2]}`.toLowerCase() : null;
}

/** `load_from_disk()`, `Dataset.map`, `pushToHub`, `v1.2.3`, `gpt-4`, `python3`, `h100`. */
function codeIdentifier(token: string): string | null {
  const t = token.replace(/[?!,;:]+$/, "");
  const bare = t.replace(/\(\)$/, "");
  // Paths and URLs are not names a paraphrase keeps verbatim; currency pairs are handled before.
  if (bare.includes("/") || ABBREVIATIONS.test(bare)) return null;
  if (/^v?\d+(\.\d+){1,3}$/i.test(bare) && (bare.startsWith("v") || bare.split(".").length > 2)) {
    return bare.toLowerCase().replace(/^v/, "");
  }
  if (/^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)+$/.test(bare) && !/^[A-Z][a-z]+\.[A-Z]/.test(bare)) {
    return bare.toLowerCase();
  }
  if (t.endsWith("()") || /_/.test(bare) || /^[a-z]+[A-Z]\w*$/.test(bare)) return bare.toLowerCase();
  const glued = /^[A-Za-z]+-?\d+(\.\d+)?[A-Za-z]?$/.test(bare) || /^\d+[A-Za-z]{3,}\d*$/.test(bare);
  if (glued && !/^[QqHh][1-4]$/.test(bare)) return bare.toLowerCase().replace("-", "");
  return null;
}

/** All-caps words of 2-6 letters (optionally with a dot suffix like `BRK.B`): tickers and acronyms. */
function ticker(token: string): string | null {
  if (!/^[A-Z]{2,6}(\.[A-Z])?$/.test(token) || NOT_IDENTIFIERS.has(token)) return null;
  return token.toLowerCase();
}

const isCapsWord = (token: string | undefined): boolean =>
  token !== undefined && /^[A-Z]{2,}[.,;:!?]*$/.test(token);

/** Extracts normalised identifier keys from a text. */
export function extractIdentifiers(text: string): string[] {
  const shouting = isShouting(text);
  const out: string[] = [];
  const tokens = rawTokens(text);
  tokens.forEach((token, i) => {
    // Three capitalised words in a row are emphasis ("REUSE EXISTING DATA"), not three tickers.
    const inCapsRun =
      (isCapsWord(tokens[i - 1]) && (isCapsWord(tokens[i - 2]) || isCapsWord(tokens[i + 1]))) ||
      (isCapsWord(tokens[i + 1]) && isCapsWord(tokens[i + 2]));
    if (inCapsRun) return;
    const pair = shouting ? null : currencyPair(token);
    const code = pair ? null : codeIdentifier(token);
    const symbol = pair ?? code ?? (shouting ? null : ticker(token.replace(/[?!,;:.]+$/, "")));
    if (symbol) out.push(symbol);
  });
  return out;
}

/**
 * Whether `id` is present in `other` in another spelling: a pair written as two symbols ("EUR and
 * USD"), or a longer or shorter form of the same name (`list_datasets` / `datasets.list_datasets`).
 */
function spelledOut(id: string, other: readonly string[]): boolean {
  if (id.includes("/")) return id.split("/").every((part) => other.includes(part));
  const pairPart = other.some((o) => o.includes("/") && o.split("/").includes(id));
  return pairPart || other.some((o) => !o.includes("/") && (o.includes(id) || id.includes(o)));
}

/**
 * Rejects when the texts name different identifiers: AAPL vs TSLA, EUR/USD vs GBP/USD,
 * load_from_disk() vs save_to_disk(), v1.2 vs v1.3. An identifier present on one side only is softer
 * evidence ({@link oneSidedIdentifiers}).
 */
export function identifierConflict(query: string, candidate: string): Conflict | null {
  const idsA = extractIdentifiers(query);
  const idsB = extractIdentifiers(candidate);
  const { onlyA, onlyB, substituted } = compareSets(idsA, idsB);
  if (!substituted) return null;
  // A paraphrase may spell out the pair ("EUR/USD" vs "EUR and USD"): not a substitution.
  const realA = onlyA.filter((id) => !spelledOut(id, idsB));
  const realB = onlyB.filter((id) => !spelledOut(id, idsA));
  if (realA.length === 0 || realB.length === 0) return null;
  return { kind: "identifier", detail: `${list(realA)} vs ${list(realB)}` };
}

/** Identifiers present on one side only. */
export function oneSidedIdentifiers(query: string, candidate: string): number {
  const { onlyA, onlyB } = compareSets(extractIdentifiers(query), extractIdentifiers(candidate));
  return onlyA.length + onlyB.length;
}
