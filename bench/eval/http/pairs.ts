/**
 * @module Store-then-ask on question pairs through the worker's HTTP API: store `a`, ask `b` with
 * `no-store`, and record whether `a`'s answer was served. Every pair gets a scope of its own (a system
 * message naming it: the context fingerprint includes the system prompt), so pairs never see each
 * other's entries and the order in which they run changes nothing.
 */

import type { Answer, Client } from "./client";
import { mapLimit } from "./pool";

/** One pair to evaluate. `shouldHit` says whether serving `a`'s answer for `b` is right. */
export interface EvalPair {
  /** Unique within its set: names the pair's scope and its row in the report. */
  readonly id: string;
  readonly a: string;
  readonly b: string;
  readonly shouldHit: boolean;
  /** Free-form labels carried into the report (kind, lang, row...). */
  readonly tags?: Readonly<Record<string, string | number>>;
}

/** A named list of pairs with the templates to register while it runs. */
export interface PairSet {
  readonly name: string;
  /** Where the pairs come from (file and rows), for the report. */
  readonly source: string;
  readonly templates: readonly string[];
  readonly pairs: readonly EvalPair[];
}

/** What the store of each pair's `a` answered: its entry key. */
export type StoredPairs = ReadonlyMap<string, Answer>;

/** One pair's outcome. */
export interface PairResult {
  readonly id: string;
  readonly shouldHit: boolean;
  readonly hit: boolean;
  readonly match: string | null;
  readonly similarity: number | null;
  readonly reason: string | null;
  /** A hit served something other than `a`'s entry (impossible in a scope of one: must stay 0). */
  readonly foreign: boolean;
}

/** Counts of one set under one configuration. */
export interface PairRun {
  /** Pairs that should hit, and how many did. */
  readonly positives: number;
  readonly hits: number;
  /** Pairs that must not hit, and how many were served anyway. */
  readonly negatives: number;
  readonly falseHits: number;
  readonly foreign: number;
  readonly results: readonly PairResult[];
}

const scopeOf = (set: PairSet, pair: EvalPair): string => `r1cache-eval scope: ${set.name} ${pair.id}`;

/** Stores every pair's `a` in its own scope, as a plain client would (a miss goes to R1, is stored and indexed). */
export async function storePairs(client: Client, set: PairSet, concurrency: number): Promise<StoredPairs> {
  const answers = await mapLimit(set.pairs, concurrency, `${set.name}: store a`, (p) =>
    client.ask(p.a, { system: scopeOf(set, p) }),
  );
  return new Map(set.pairs.map((p, i) => [p.id, answers[i] as Answer]));
}

/** Asks every pair's `b` in its scope with `no-store`. */
export async function askPairs(
  client: Client,
  set: PairSet,
  stored: StoredPairs,
  concurrency: number,
  label: string,
): Promise<PairRun> {
  const answers = await mapLimit(set.pairs, concurrency, label, (p) =>
    client.ask(p.b, { system: scopeOf(set, p), cacheControl: "no-store" }),
  );
  const results = set.pairs.map((pair, i): PairResult => {
    const answer = answers[i] as Answer;
    const hit = answer.status === "HIT";
    return {
      id: pair.id,
      shouldHit: pair.shouldHit,
      hit,
      match: answer.match,
      similarity: answer.similarity,
      reason: answer.reason,
      foreign: hit && answer.key !== stored.get(pair.id)?.key,
    };
  });
  const positives = results.filter((r) => r.shouldHit);
  const negatives = results.filter((r) => !r.shouldHit);
  return {
    positives: positives.length,
    hits: positives.filter((r) => r.hit).length,
    negatives: negatives.length,
    falseHits: negatives.filter((r) => r.hit).length,
    foreign: results.filter((r) => r.foreign).length,
    results,
  };
}
