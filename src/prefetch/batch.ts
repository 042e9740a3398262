/**
 * @module What an isolate sends a namespace's `Prefetcher` (src/durable/prefetcher.ts) and what it gets
 * back: the lookups of one tenant namespace since the last flush, in order, the transitions between
 * consecutive ones, and the request of each key that followed another (what a prefetch must send).
 */
import type { ChatParams } from "../upstream/types";

/** Largest successor request kept (its canonical params as JSON); a longer one is never prefetched. */
export const MAX_REQUEST_BYTES = 16 * 1024;
/** Consecutive lookups further apart than this are not counted as one following the other. */
export const TRANSITION_WINDOW_MS = 10 * 60_000;

/** One lookup of an exact key by a client. */
export interface PrefetchAccess {
  key: string;
  /** Epoch ms. */
  at: number;
  /** The entry that answered it, when it was a hit (a paraphrase's canonical entry for semantic hits). */
  hit?: string;
}

/** `to` was looked up after `from`, in the same namespace, within {@link TRANSITION_WINDOW_MS}. */
export interface PrefetchTransition {
  from: string;
  to: string;
}

export interface PrefetchBatch {
  accesses: PrefetchAccess[];
  transitions: PrefetchTransition[];
  /** The canonical params of each `to` key (JSON of at most {@link MAX_REQUEST_BYTES}). */
  requests: Record<string, string>;
}

/** The thresholds of the runtime config the object judges successors by. */
export interface PrefetchPolicy {
  minCount: number;
  minProbability: number;
}

/** A successor worth fetching: its key and the request that produces it. */
export interface PrefetchCandidate {
  key: string;
  /** Its canonical params as JSON (a {@link ChatParams}). */
  params: string;
  /** How often it followed, and its share of what followed. */
  count: number;
  probability: number;
}

/** Prefetch counts: entries prefetched and how many of them a client later hit. */
export interface PrefetchCounts {
  prefetched: number;
  hits: number;
}

/** Prefetched entries later hit / prefetched; null before the first prefetch. */
export const precisionOf = (c: PrefetchCounts): number | null =>
  c.prefetched === 0 ? null : c.hits / c.prefetched;
