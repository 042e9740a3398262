/**
 * @module The local `VectorIndex`: routes each tenant namespace to its own `VectorShard` Durable Object.
 * Runs everywhere Durable Objects do (wrangler dev, tests, production), with no account and no network.
 */
import type { VectorShard } from "../../durable/vector-shard";
import { CacheError } from "../../errors";
import type { VectorIndex, VectorRecord } from "./types";

export interface LocalVectorIndexOptions {
  /** Cap on vectors per namespace shard; the oldest are evicted first. @default 50000 */
  maxVectorsPerShard?: number;
  /**
   * Cap on lexical rows per namespace shard (questions indexed for words; oldest evicted first). Larger
   * than `maxVectorsPerShard` where the shard only buffers recent vectors for Vectorize, so lexical
   * candidates still cover the whole namespace. @default 50000
   */
  maxLexicalPerShard?: number;
  /** Backend name reported by the index. @default "local" */
  name?: string;
}

/** Creates the local index over the `VECTOR_SHARDS` Durable Object namespace. */
export function createLocalVectorIndex(
  shards: DurableObjectNamespace<VectorShard>,
  options: LocalVectorIndexOptions = {},
): VectorIndex {
  const shard = (namespace: string) => shards.get(shards.idFromName(namespace));
  const upsertOptions = { maxVectors: options.maxVectorsPerShard, maxLexical: options.maxLexicalPerShard };

  // Shards are addressed by name and a Worker cannot list them, so "every namespace" is not possible here.
  const needNamespace = (namespace: string | undefined, what: string): string => {
    if (namespace !== undefined) return namespace;
    throw new CacheError("not_enabled", `The local vector index can ${what} one namespace at a time`);
  };

  return {
    name: options.name ?? "local",
    async upsert(records) {
      const byNamespace = new Map<string, VectorRecord[]>();
      for (const record of records) {
        const group = byNamespace.get(record.namespace);
        if (group) group.push(record);
        else byNamespace.set(record.namespace, [record]);
      }
      await Promise.all([...byNamespace].map(([ns, group]) => shard(ns).upsert(group, upsertOptions)));
    },
    async query(q) {
      if (q.topK <= 0) return [];
      return shard(q.namespace).query(q);
    },
    async lexical(q) {
      if (q.topK <= 0) return [];
      return shard(q.namespace).lexical(q);
    },
    async delete(ids, namespace) {
      if (ids.length === 0) return;
      await shard(namespace).delete(ids);
    },
    async list(namespace, after, limit) {
      return shard(namespace).list(after, limit);
    },
    async get(ids, namespace) {
      if (ids.length === 0) return [];
      return (await shard(namespace).get(ids)).map((record) => ({ ...record, namespace }));
    },
    async clear(namespace) {
      await shard(needNamespace(namespace, "clear")).clear();
    },
    async count(namespace) {
      return shard(needNamespace(namespace, "count")).count();
    },
  };
}
