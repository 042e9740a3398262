/**
 * @module GPTCache's protocol on gptcache-mock.json, through the worker's HTTP API: store every distinct
 * origin, then ask every paraphrase with `no-store` and check which stored entry answered.
 */

import type { GptCachePair } from "../data";
import type { Answer, Client } from "./client";
import { mapLimit } from "./pool";

/** Served origins at least this similar (word-set Jaccard) to the expected one count as near-copies. */
export const NEAR_COPY_JACCARD = 0.6;

/** How the origins are stored. */
export type OriginStore = "fresh" | "lookup";

/** The stored origins: entry key and answer of each distinct origin text. */
export interface StoredOrigins {
  readonly mode: OriginStore;
  readonly byText: ReadonlyMap<string, Answer>;
  /** Origin text of each stored entry key (the first origin stored under it). */
  readonly textByKey: ReadonlyMap<string, string>;
  /** `x-r1cache` of the store requests: MISS/BYPASS = own entry, HIT = answered by an earlier origin. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Origins answered from an earlier origin while storing (lookup mode): aliases, not entries. */
  readonly answeredByEarlier: readonly StoreHit[];
}

/** An origin that a store answered from another origin's entry. */
export interface StoreHit {
  readonly origin: string;
  readonly served: string;
  readonly similarity: number | null;
  readonly reason: string | null;
  readonly jaccard: number;
}

/** Outcome of one paraphrase. */
export type Verdict = "correct" | "near-copy" | "wrong" | "miss";

/** Counts of one configuration. */
export interface GptCacheRun {
  readonly correct: number;
  readonly nearCopy: number;
  readonly wrong: number;
  readonly miss: number;
  readonly semanticHits: number;
  readonly exactHits: number;
  /** Hits whose answer is not the answer stored for the served key (must be 0). */
  readonly answerMismatches: number;
  readonly outcomes: readonly PairOutcome[];
}

/** One pair's outcome, kept in the JSON for inspection. */
export interface PairOutcome {
  readonly index: number;
  readonly verdict: Verdict;
  readonly similarity: number | null;
  readonly reason: string | null;
  /** The origin text of the entry served, when it is not the expected one. */
  readonly served?: string;
}

/** Lower-cased letter/digit runs as a set. */
export function wordSet(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

/** |A ∩ B| / |A ∪ B| of the word sets; 1 for two empty texts. */
export function jaccard(a: string, b: string): number {
  const x = wordSet(a);
  const y = wordSet(b);
  let shared = 0;
  for (const w of x) if (y.has(w)) shared++;
  const union = x.size + y.size - shared;
  return union === 0 ? 1 : shared / union;
}

/** Distinct origins in first-seen order (the file repeats 28 of them, 35 extra rows). */
export function distinctOrigins(pairs: readonly GptCachePair[]): string[] {
  return [...new Set(pairs.map((p) => p.origin))];
}

/**
 * Stores every distinct origin. `fresh` sends `Cache-Control: no-cache` (ask R1, store the answer): every
 * origin becomes an entry of its own, as GPTCache's protocol has it. `lookup` sends them as a plain client
 * would: an origin that the verifier takes for a paraphrase of an earlier one is answered from it and
 * stored as its alias, never as an entry or a vector of its own.
 */
export async function storeOrigins(
  client: Client,
  pairs: readonly GptCachePair[],
  mode: OriginStore,
  concurrency: number,
): Promise<StoredOrigins> {
  const origins = distinctOrigins(pairs);
  // Lookup mode is order-dependent (an origin may hit one stored before it): one at a time, file order.
  const lanes = mode === "lookup" ? 1 : concurrency;
  const options = mode === "fresh" ? { cacheControl: "no-cache" as const } : {};
  const answers = await mapLimit(origins, lanes, "gptcache: store origins", (o) => client.ask(o, options));
  const byText = new Map<string, Answer>();
  const textByKey = new Map<string, string>();
  const statuses: Record<string, number> = {};
  const answeredByEarlier: StoreHit[] = [];
  origins.forEach((origin, i) => {
    const answer = answers[i] as Answer;
    byText.set(origin, answer);
    const served = textByKey.get(answer.key);
    if (served === undefined) textByKey.set(answer.key, origin);
    else {
      const { similarity, reason } = answer;
      answeredByEarlier.push({ origin, served, similarity, reason, jaccard: jaccard(origin, served) });
    }
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
  });
  return { mode, byText, textByKey, statuses, answeredByEarlier };
}

function judge(pair: GptCachePair, answer: Answer, stored: StoredOrigins): Omit<PairOutcome, "index"> {
  const { similarity, reason } = answer;
  if (answer.status !== "HIT") return { verdict: "miss", similarity, reason };
  const expected = stored.byText.get(pair.origin);
  if (answer.key === expected?.key) return { verdict: "correct", similarity, reason };
  const served = stored.textByKey.get(answer.key) ?? `(unknown entry ${answer.key})`;
  const verdict = jaccard(served, pair.origin) >= NEAR_COPY_JACCARD ? "near-copy" : "wrong";
  return { verdict, similarity, reason, served };
}

/** Asks every pair's paraphrase with `no-store` (so nothing a query does changes what later ones see). */
export async function askParaphrases(
  client: Client,
  pairs: readonly GptCachePair[],
  stored: StoredOrigins,
  concurrency: number,
  label: string,
): Promise<GptCacheRun> {
  const answers = await mapLimit(pairs, concurrency, label, (p) =>
    client.ask(p.similar, { cacheControl: "no-store" }),
  );
  const counts = { correct: 0, "near-copy": 0, wrong: 0, miss: 0 };
  let semanticHits = 0;
  let exactHits = 0;
  let answerMismatches = 0;
  const outcomes = pairs.map((pair, index) => {
    const answer = answers[index] as Answer;
    const outcome = { index, ...judge(pair, answer, stored) };
    counts[outcome.verdict]++;
    if (answer.status === "HIT") {
      if (answer.match === "semantic") semanticHits++;
      else exactHits++;
      const text = stored.textByKey.get(answer.key);
      const storedAnswer = text === undefined ? undefined : stored.byText.get(text);
      if (storedAnswer?.content !== answer.content) answerMismatches++;
    }
    return outcome;
  });
  return {
    correct: counts.correct,
    nearCopy: counts["near-copy"],
    wrong: counts.wrong,
    miss: counts.miss,
    semanticHits,
    exactHits,
    answerMismatches,
    outcomes,
  };
}
