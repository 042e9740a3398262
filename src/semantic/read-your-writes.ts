/**
 * @module Read-your-writes over an eventually consistent index. Vectorize takes seconds to make an
 * upsert queryable, so a paraphrase asked right after its original would miss. Writes go to both the
 * primary (Vectorize) and a `recent` index (the local shards, consistent at once); queries ask both and
 * merge. The recent index is a retention window, not a replica: its per-shard cap (oldest evicted first)
 * bounds it to the newest vectors of each namespace, which is all it must cover until Vectorize catches up.
 */
import { mergeMatches, type VectorIndex, type VectorMatch } from "./vector-index";

export interface ReadYourWritesOptions {
  /**
   * How long a deleted id stays hidden from the primary's answers, which may still return it for a few
   * seconds. Kept in isolate memory, so other isolates can still see it briefly; harmless, because a match
   * resolves through the exact tiers, where the entry is gone. @default 60000
   */
  tombstoneMs?: number;
  /** Told when one side fails and the other answers alone (queries fail open, like tiers). */
  onError?: (error: unknown, side: "primary" | "recent", operation: "query") => void;
  now?: () => number;
}

/** Merges an eventually consistent `primary` with a consistent `recent` index. */
export function createReadYourWritesIndex(
  primary: VectorIndex,
  recent: VectorIndex,
  options: ReadYourWritesOptions = {},
): VectorIndex {
  const tombstoneMs = options.tombstoneMs ?? 60_000;
  const now = options.now ?? Date.now;
  const tombstones = new Map<string, number>();
  const tombKey = (namespace: string, id: string) => `${namespace}\u0000${id}`;
  const buried = (namespace: string, id: string): boolean => {
    const until = tombstones.get(tombKey(namespace, id));
    if (until === undefined) return false;
    if (until > now()) return true;
    tombstones.delete(tombKey(namespace, id));
    return false;
  };

  const index: VectorIndex = {
    name: `${primary.name}+${recent.name}`,
    async upsert(records) {
      for (const r of records) tombstones.delete(tombKey(r.namespace, r.id));
      await settleAll([primary.upsert(records), recent.upsert(records)]);
    },
    async query(q) {
      const [fromPrimary, fromRecent] = await Promise.allSettled([primary.query(q), recent.query(q)]);
      if (fromPrimary.status === "rejected" && fromRecent.status === "rejected") throw fromPrimary.reason;
      const merged: VectorMatch[] = [];
      if (fromPrimary.status === "fulfilled") {
        merged.push(...fromPrimary.value.filter((m) => !buried(q.namespace, m.id)));
      } else options.onError?.(fromPrimary.reason, "primary", "query");
      if (fromRecent.status === "fulfilled") merged.push(...fromRecent.value);
      else options.onError?.(fromRecent.reason, "recent", "query");
      return mergeMatches(merged, q.topK, q.minScore);
    },
    async delete(ids, namespace) {
      const until = now() + tombstoneMs;
      for (const id of ids) tombstones.set(tombKey(namespace, id), until);
      await settleAll([primary.delete(ids, namespace), recent.delete(ids, namespace)]);
    },
  };
  // Clearing or counting only the recent window would lie about the whole; offer them only when both can.
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

/** Waits for every write, so one side's failure never leaves the other half-done; then rethrows it. */
async function settleAll(writes: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(writes);
  for (const result of results) if (result.status === "rejected") throw result.reason;
}
