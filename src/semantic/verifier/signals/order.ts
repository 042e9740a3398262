/** @module Word order around directional markers (X to Y, X than Y, from X / to X) for the match verifier. */

import { alignment, fold, STOPWORDS, stem } from "../text";
import type { Conflict } from "../types";

/** Markers whose two sides are not interchangeable, grouped by meaning. */
const MARKERS: Readonly<Record<string, string>> = {
  to: "to",
  into: "to",
  "->": "to",
  "→": "to",
  "=>": "to",
  para: "to",
  than: "than",
  que: "than",
  against: "against",
  contra: "against",
};

/** Prepositions of origin and destination: "from X" and "to X" point opposite ways. */
const FROM = new Set(["from", "de", "do", "da", "desde"]);
const TOWARDS = new Set(["to", "into", "para", "pro", "pra"]);

/**
 * Content words kept on each side of a marker: "X to Y" compares the nearest word on each side;
 * "X better than Y" needs the subject, a few words back.
 */
const WINDOW: Readonly<Record<string, { left: number; right: number }>> = {
  to: { left: 1, right: 1 },
  than: { left: 3, right: 1 },
  against: { left: 8, right: 1 },
};
/** Minimum content-word overlap for the from/to check. */
const MIN_ALIGNMENT = 0.6;

/** Tokens scanned on each side of a marker (skipping articles and other function words). */
const REACH = 3;

function orderTokens(text: string): string[] {
  return fold(text).match(/->|→|=>|[\p{L}\p{N}_]+/gu) ?? [];
}

function isContent(token: string): boolean {
  // Single letters are possessive "s" and initials, not the things being ordered.
  return token.length > 1 && !STOPWORDS.has(token) && !(token in MARKERS) && !FROM.has(token);
}

/** Up to `size` content words on one side of position `i`, stopping at the next marker of the same group. */
function side(tokens: readonly string[], i: number, step: -1 | 1, size: number): Set<string> {
  const group = MARKERS[tokens[i] ?? ""];
  const out = new Set<string>();
  const reach = REACH * size;
  for (
    let j = i + step;
    j >= 0 && j < tokens.length && out.size < size && Math.abs(j - i) <= reach;
    j += step
  ) {
    const t = tokens[j] ?? "";
    if (MARKERS[t] === group) break;
    if (isContent(t)) out.add(stem(t));
  }
  return out;
}

interface MarkerSides {
  readonly group: string;
  readonly left: Set<string>;
  readonly right: Set<string>;
}

function markerSides(tokens: readonly string[]): MarkerSides[] {
  const out: MarkerSides[] = [];
  tokens.forEach((t, i) => {
    const group = MARKERS[t];
    const window = group ? WINDOW[group] : undefined;
    if (group && window) {
      out.push({ group, left: side(tokens, i, -1, window.left), right: side(tokens, i, 1, window.right) });
    }
  });
  return out;
}

/** A word on the left in `a` and the right in `b`, and another the other way round. */
function swapped(a: MarkerSides, b: MarkerSides): [string, string] | null {
  if (a.group !== b.group) return null;
  const x = [...a.left].find((w) => b.right.has(w) && !a.right.has(w) && !b.left.has(w));
  const y = [...a.right].find((w) => b.left.has(w) && !a.left.has(w) && !b.right.has(w));
  return x && y && x !== y ? [x, y] : null;
}

/** `from:X` / `to:X` keys: the preposition and the next content word. */
function prepositionObjects(tokens: readonly string[]): Set<string> {
  const out = new Set<string>();
  tokens.forEach((t, i) => {
    const kind = FROM.has(t) ? "from" : TOWARDS.has(t) ? "to" : null;
    const next = tokens.slice(i + 1, i + 3).find(isContent);
    if (kind && next) out.add(`${kind}:${stem(next)}`);
  });
  return out;
}

function prepositionConflict(a: readonly string[], b: readonly string[]): Conflict | null {
  const pa = prepositionObjects(a);
  const pb = prepositionObjects(b);
  for (const key of pa) {
    const [kind, word] = key.split(":");
    const flipped = `${kind === "from" ? "to" : "from"}:${word}`;
    if (pb.has(flipped) && !pb.has(key) && !pa.has(flipped)) {
      return { kind: "direction", detail: `${kind} ${word} vs ${flipped.replace(":", " ")}` };
    }
  }
  return null;
}

/**
 * Rejects conversions and comparisons whose sides are swapped: "Celsius to Fahrenheit" vs
 * "Fahrenheit to Celsius", "is X better than Y" vs "is Y better than X", "Chile against the
 * Netherlands" vs the reverse, "from Brazil" vs "to Brazil".
 */
export function orderConflict(query: string, candidate: string): Conflict | null {
  const tokensA = orderTokens(query);
  const tokensB = orderTokens(candidate);
  for (const ma of markerSides(tokensA)) {
    for (const mb of markerSides(tokensB)) {
      const pair = swapped(ma, mb);
      if (pair)
        return {
          kind: "order",
          detail: `${pair[0]} ${ma.group} ${pair[1]} vs ${pair[1]} ${mb.group} ${pair[0]}`,
        };
    }
  }
  // "from X" vs "to X" only counts when the rest of the sentence matches (not a rewording).
  const conflict = prepositionConflict(tokensA, tokensB);
  return conflict && alignment(query, candidate, () => false) >= MIN_ALIGNMENT ? conflict : null;
}
