/**
 * @module The isolate's side of prefetch learning: each client lookup of a namespace (while
 * `prefetchPerHour` is above 0) is noted in memory with the one before it, O(1) and without I/O; the
 * notes reach the namespace's `Prefetcher` with the statistics flush (src/prefetch/flush.ts), from
 * `waitUntil`, never on the hit path. Isolates see interleaved slices of a namespace's traffic: what
 * one isolate sees in order is what it counts as following.
 */
import type { ChatParams } from "../upstream/types";
import { type PrefetchAccess, type PrefetchTransition, TRANSITION_WINDOW_MS } from "./batch";

/** Lookups an isolate holds between flushes (all namespaces); past it, lookups go unlearnt. */
export const MAX_PENDING_ACCESSES = 1_000;
/** Sessions whose last lookup an isolate remembers; the least recently active are forgotten first. */
export const MAX_SESSIONS = 10_000;

/** One namespace's lookups since the last flush. */
export interface PendingNamespace {
  accesses: PrefetchAccess[];
  transitions: PrefetchTransition[];
  /** The params of each key that followed another (serialised at flush time, not on the hit path). */
  requests: Map<string, ChatParams>;
}

// Module state of the isolate: `pending` is bounded by MAX_PENDING_ACCESSES; `last` holds the last
// key of each (namespace, session), at most MAX_SESSIONS, in order of last activity.
let pending = new Map<string, PendingNamespace>();
let pendingAccesses = 0;
const last = new Map<string, { key: string; at: number }>();

/**
 * Notes a client's lookup of `key` (answered by entry `hit`, or a miss) in `namespace`, following the
 * session's previous lookup (`x-r1cache-session`), or the namespace's when the request names none.
 */
export function notePrefetchAccess(
  namespace: string,
  session: string | undefined,
  key: string,
  params: ChatParams,
  hit: string | undefined,
  at = Date.now(),
): void {
  const stream = `${namespace}\u0000${session ?? ""}`;
  const previous = last.get(stream);
  last.delete(stream);
  last.set(stream, { key, at });
  if (last.size > MAX_SESSIONS) last.delete(last.keys().next().value as string);
  if (pendingAccesses >= MAX_PENDING_ACCESSES) return;
  let notes = pending.get(namespace);
  if (!notes) {
    notes = { accesses: [], transitions: [], requests: new Map() };
    pending.set(namespace, notes);
  }
  notes.accesses.push(hit ? { key, at, hit } : { key, at });
  pendingAccesses++;
  if (previous && previous.key !== key && at - previous.at <= TRANSITION_WINDOW_MS) {
    notes.transitions.push({ from: previous.key, to: key });
    notes.requests.set(key, params);
  }
}

/** How many lookups wait for the next flush. */
export const pendingPrefetchAccesses = (): number => pendingAccesses;

/** Hands over the pending notes and starts afresh. */
export function takePendingAccesses(): Map<string, PendingNamespace> {
  const taken = pending;
  pending = new Map();
  pendingAccesses = 0;
  return taken;
}
