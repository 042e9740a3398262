/**
 * @module A float32, in-memory `VectorIndex` for tests: the reference the contract suite also checks
 * (lexical search included, by counting shared terms), and, with `lagging`, a stand-in for Vectorize's eventual consistency (writes invisible until `catchUp()`).
 */
import { lexicalTerms } from "../../src/semantic/vectors/lexical-query";
import {
  type LexicalMatch,
  mergeMatches,
  type VectorIndex,
  type VectorRecord,
} from "../../src/semantic/vectors/types";
import { fold } from "../../src/semantic/verifier/text";
import { exactCosine } from "./vectors";

/** Relevance by counting matched terms (a stand-in for BM25, which the shards compute). */
function termHits(query: string, text: string): number {
  const words = fold(text).match(/[\p{L}\p{N}]+/gu) ?? [];
  return lexicalTerms(query).filter((t) =>
    words.some((w) => (t.prefix ? w.startsWith(t.text) : w === t.text)),
  ).length;
}

export interface MemoryVectorIndex extends VectorIndex {
  /** Applies the writes held back by a lagging index. */
  catchUp(): void;
  clear(namespace?: string): Promise<void>;
  count(namespace?: string): Promise<number>;
  /** Makes every later query throw this error (until set back to undefined). */
  failWith: Error | undefined;
}

/** Creates the index; `lagging` holds back upserts and deletes until `catchUp()`. */
export function createMemoryVectorIndex(
  options: { lagging?: boolean; name?: string } = {},
): MemoryVectorIndex {
  const visible = new Map<string, VectorRecord>();
  let pending: Array<() => void> = [];
  const apply = (write: () => void) => (options.lagging ? pending.push(write) : write());
  const key = (namespace: string, id: string) => `${namespace}\u0000${id}`;

  const index: MemoryVectorIndex = {
    name: options.name ?? "memory",
    failWith: undefined,
    catchUp() {
      for (const write of pending) write();
      pending = [];
    },
    async upsert(records) {
      for (const r of records) apply(() => visible.set(key(r.namespace, r.id), { ...r }));
    },
    async query(q) {
      if (index.failWith) throw index.failWith;
      const matches = [...visible.values()]
        .filter((r) => r.namespace === q.namespace && r.fingerprint === q.fingerprint)
        .map((r) => ({
          id: r.id,
          score: exactCosine(q.vector, r.vector),
          text: r.text,
          createdAt: r.createdAt,
        }));
      return mergeMatches(matches, q.topK, q.minScore);
    },
    async lexical(q) {
      if (index.failWith) throw index.failWith;
      const matches: LexicalMatch[] = [];
      for (const r of visible.values()) {
        if (r.namespace !== q.namespace || r.fingerprint !== q.fingerprint) continue;
        const relevance = termHits(q.text, r.text);
        const score = exactCosine(q.vector, r.vector);
        if (relevance > 0) matches.push({ id: r.id, score, relevance, text: r.text, createdAt: r.createdAt });
      }
      return matches.sort((a, b) => b.relevance - a.relevance).slice(0, Math.max(0, q.topK));
    },
    async get(ids, namespace) {
      return ids.flatMap((id) => {
        const r = visible.get(key(namespace, id));
        return r ? [{ ...r }] : [];
      });
    },
    async delete(ids, namespace) {
      for (const id of ids) apply(() => visible.delete(key(namespace, id)));
    },
    async clear(namespace) {
      for (const [k, r] of visible)
        if (namespace === undefined || r.namespace === namespace) visible.delete(k);
    },
    async count(namespace) {
      return [...visible.values()].filter((r) => namespace === undefined || r.namespace === namespace).length;
    },
  };
  return index;
}
