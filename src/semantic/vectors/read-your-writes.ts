/**
 * @module Read-your-writes over an eventually consistent index. Vectorize takes seconds to make an
 * upsert queryable, so a paraphrase asked right after its original would miss. Writes go to both the
 * primary (Vectorize) and a `recent` index (the local shards, consistent at once); queries ask both and
 * merge. The recent index is a retention window, not a replica: its per-shard cap (oldest evicted first)
 * bounds it to the newest vectors of each namespace, which is all it must cover until Vectorize catches up.
 */
import { unitCopy } from "./int8";
import { cosine } from "./math";
import {
  type LexicalMatch,
  type LexicalQuery,
  mergeMatches,
  type VectorIndex,
  type VectorMatch,
} from "./types";

export interface ReadYourWritesOptions {
  /**
   * How long a deleted id stays hidden from the primary's answers, which may still return it for a few
   * seconds. Kept in isolate memory, so other isolates can still see it briefly; harmless, because a match
   * resolves through the exact tiers, where the entry is gone. @default 60000
   */
  tombstoneMs?: number;
  /** Told when one side fails and the other answers alone (queries fail open, like tiers). */
  onError?: (error: unknown, side: "primary" | "recent", operation: "query" | "lexical") => void;
  now?: () => number;
}

/** Merges an eventually consistent `primary` with a consistent `recent` index. */
export function createReadYourWritesIndex(
  primary: VectorIndex,
  recent: VectorIndex,
  options: ReadYourWritesOptions = {},
): VectorIndex {
  const tombstones = createTombstones(options.tombstoneMs ?? 60_000, options.now ?? Date.now);

  const index: VectorIndex = {
    name: `${primary.name}+${recent.name}`,
    async upsert(records) {
      for (const r of records) tombstones.lift(r.namespace, r.id);
      await settleAll([primary.upsert(records), recent.upsert(records)]);
    },
    async query(q) {
      const [fromPrimary, fromRecent] = await Promise.allSettled([primary.query(q), recent.query(q)]);
      if (fromPrimary.status === "rejected" && fromRecent.status === "rejected") throw fromPrimary.reason;
      const merged: VectorMatch[] = [];
      if (fromPrimary.status === "fulfilled") {
        merged.push(...fromPrimary.value.filter((m) => !tombstones.has(q.namespace, m.id)));
      } else options.onError?.(fromPrimary.reason, "primary", "query");
      if (fromRecent.status === "fulfilled") merged.push(...fromRecent.value);
      else options.onError?.(fromRecent.reason, "recent", "query");
      return mergeMatches(merged, q.topK, q.minScore);
    },
    async delete(ids, namespace) {
      for (const id of ids) tombstones.bury(namespace, id);
      await settleAll([primary.delete(ids, namespace), recent.delete(ids, namespace)]);
    },
  };
  const recentLexical = recent.lexical?.bind(recent);
  if (recentLexical) {
    // The recent shards index every question's words; only vectors older than their window are missing.
    index.lexical = async (q) => {
      const matches = await recentLexical(q);
      try {
        return await withPrimaryScores(matches, q, primary);
      } catch (error) {
        options.onError?.(error, "primary", "lexical");
        return matches;
      }
    };
  }
  const { get: getPrimary } = primary;
  const { get: getRecent } = recent;
  if (getPrimary) {
    // The window's copy first (the newest write), the primary for the rest; deleted ids stay deleted.
    index.get = async (ids, namespace) => {
      const fresh = getRecent ? await getRecent.call(recent, ids, namespace) : [];
      const have = new Set(fresh.map((r) => r.id));
      const rest = ids.filter((id) => !have.has(id) && !tombstones.has(namespace, id));
      return [...fresh, ...(rest.length > 0 ? await getPrimary.call(primary, rest, namespace) : [])];
    };
  }
  const { list: listRecent } = recent;
  if (listRecent) {
    // Vectorize cannot be enumerated: the window is what can be listed. A delete still reaches both.
    index.list = (namespace, after, limit) => listRecent.call(recent, namespace, after, limit);
  }
  return withWholeIndexOps(index, primary, recent);
}

/**
 * Scores the lexical matches whose vector the recent window no longer has, with the primary's stored
 * vector (and original text, where the window had only the folded one).
 */
async function withPrimaryScores(
  matches: LexicalMatch[],
  q: LexicalQuery,
  primary: VectorIndex,
): Promise<LexicalMatch[]> {
  const missing = matches.filter((m) => m.score === undefined).map((m) => m.id);
  if (missing.length === 0 || !primary.get) return matches;
  const stored = new Map((await primary.get(missing, q.namespace)).map((r) => [r.id, r]));
  const query = unitCopy(q.vector);
  return matches.map((m) => {
    const record = m.score === undefined ? stored.get(m.id) : undefined;
    if (record?.fingerprint !== q.fingerprint || record.vector.length !== query.length) return m;
    return { ...m, score: cosine(query, unitCopy(record.vector)), text: record.text };
  });
}

/** Adds clear and count where both sides have them: doing either on the recent window alone would lie. */
function withWholeIndexOps(index: VectorIndex, primary: VectorIndex, recent: VectorIndex): VectorIndex {
  const { clear: clearPrimary, count: countPrimary } = primary;
  const { clear: clearRecent, count: countRecent } = recent;
  if (clearPrimary && clearRecent) {
    index.clear = async (namespace) => {
      await settleAll([clearPrimary.call(primary, namespace), clearRecent.call(recent, namespace)]);
    };
  }
  if (countPrimary && countRecent) {
    // A lower bound: the primary lags behind the newest writes, the recent window forgets the oldest.
    index.count = async (namespace) => {
      const [p, r] = await Promise.all([
        countPrimary.call(primary, namespace),
        countRecent.call(recent, namespace),
      ]);
      return Math.max(p, r);
    };
  }
  return index;
}

/** Recently deleted ids per namespace, each forgotten `ttlMs` after its delete. */
function createTombstones(ttlMs: number, now: () => number) {
  const until = new Map<string, number>();
  const key = (namespace: string, id: string) => `${namespace}\u0000${id}`;
  return {
    bury(namespace: string, id: string): void {
      until.set(key(namespace, id), now() + ttlMs);
    },
    lift(namespace: string, id: string): void {
      until.delete(key(namespace, id));
    },
    has(namespace: string, id: string): boolean {
      const expiry = until.get(key(namespace, id));
      if (expiry === undefined) return false;
      if (expiry > now()) return true;
      until.delete(key(namespace, id));
      return false;
    },
  };
}

/** Waits for every write, so one side's failure never leaves the other half-done; then rethrows it. */
async function settleAll(writes: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(writes);
  for (const result of results) if (result.status === "rejected") throw result.reason;
}
