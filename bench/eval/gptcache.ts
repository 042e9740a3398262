/** @module GPTCache's protocol on gptcache-mock.json: store every origin, query every paraphrase. */

import type { TemplateRegistry } from "../../src/semantic/templates";
import { nearest } from "../../src/semantic/vectors/math";
import { verifyMatch } from "../../src/semantic/verifier/verify";
import type { GptCachePair } from "./data";

/** Outcome counts of one run. */
export interface GptCacheResult {
  readonly correct: number;
  readonly wrong: number;
  readonly miss: number;
  /** Wrong hits, for inspection: query, served origin, expected origin, similarity, reason. */
  readonly wrongHits: readonly {
    query: string;
    served: string;
    expected: string;
    similarity: number;
    reason: string;
  }[];
}

/** Options of {@link runGptCache}. */
export interface GptCacheOptions {
  /** Minimum cosine similarity. */
  readonly threshold: number;
  /** Candidates verified per query, best first; the first accepted is served. */
  readonly k: number;
  /** false: raw cosine (serve the nearest above the threshold, no verifier). */
  readonly verify: boolean;
  readonly minScore?: number;
  readonly templates?: TemplateRegistry;
  /** Which accepted candidate to serve: the nearest ("first", default) or the best verifier score. */
  readonly pick?: "first" | "best";
}

/** Unique origins in first-seen order (GPTCache's mock data repeats a few). */
export function uniqueOrigins(pairs: readonly GptCachePair[]): string[] {
  return [...new Set(pairs.map((p) => p.origin))];
}

function vectorOf(vectors: ReadonlyMap<string, Float32Array>, text: string): Float32Array {
  const v = vectors.get(text);
  if (!v) throw new Error(`missing embedding: ${text.slice(0, 40)}`);
  return v;
}

/** Runs the protocol: a hit is correct when the served origin's text equals the pair's origin. */
export function runGptCache(
  pairs: readonly GptCachePair[],
  vectors: ReadonlyMap<string, Float32Array>,
  options: GptCacheOptions,
): GptCacheResult {
  const origins = uniqueOrigins(pairs);
  const originVectors = origins.map((o) => vectorOf(vectors, o));
  let correct = 0;
  let miss = 0;
  const wrongHits: GptCacheResult["wrongHits"][number][] = [];
  for (const { origin, similar } of pairs) {
    const candidates = nearest(vectorOf(vectors, similar), originVectors, options.k);
    let served: { text: string; similarity: number; reason: string; score: number } | null = null;
    for (const c of candidates) {
      if (c.similarity < options.threshold) break;
      const text = origins[c.index] ?? "";
      const verdict = options.verify
        ? verifyMatch(similar, text, c.similarity, {
            threshold: options.threshold,
            ...(options.minScore === undefined ? {} : { minScore: options.minScore }),
            ...(options.templates ? { templates: options.templates } : {}),
          })
        : { accept: true, reason: "raw cosine", score: 1 };
      if (verdict.accept && (!served || verdict.score > served.score)) {
        served = { text, similarity: c.similarity, reason: verdict.reason, score: verdict.score };
      }
      if (served && options.pick !== "best") break;
    }
    if (!served) miss++;
    else if (served.text === origin) correct++;
    else wrongHits.push({ query: similar, expected: origin, ...served, served: served.text });
  }
  return { correct, wrong: wrongHits.length, miss, wrongHits };
}
