/** @module Aliases: paraphrases answered by a semantic hit point at the canonical entry, not a copy of it. */
import { count, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { aliases } from "../db/schema";
import { withDeadline } from "../deadline";

export interface Alias {
  canonicalKey: string;
  similarity: number;
  reason: string;
}

/** Recently resolved aliases of this isolate, so a repeated paraphrase costs no D1 read. */
const recent = new Map<string, Alias>();
const RECENT_MAX = 10_000;

function remember(key: string, alias: Alias): void {
  if (recent.size >= RECENT_MAX) {
    const oldest = recent.keys().next().value;
    if (oldest !== undefined) recent.delete(oldest);
  }
  recent.set(key, alias);
}

export interface AliasRecord extends Alias {
  key: string;
  namespace: string;
  prompt: string;
}

export interface AliasStoreOptions {
  /** Deadline of a lookup in D1 (the L3 tier's read deadline): a slow D1 must not stall a miss. */
  readTimeoutMs?: number;
}

/** The alias table in D1, with an isolate-memory front. */
export function createAliasStore(d1: D1Database, options: AliasStoreOptions = {}) {
  let orm: ReturnType<typeof drizzle> | undefined;
  // Built on first use: a request answered by an exact hit never reads aliases.
  const db = () => (orm ??= drizzle(d1));
  return {
    async get(key: string): Promise<Alias | null> {
      const cached = recent.get(key);
      if (cached) return cached;
      const query = db().select().from(aliases).where(eq(aliases.key, key)).limit(1);
      const [row] = await withDeadline(Promise.resolve(query), options.readTimeoutMs, "alias lookup");
      if (!row) return null;
      const alias = { canonicalKey: row.canonicalKey, similarity: row.similarity, reason: row.reason };
      remember(key, alias);
      return alias;
    },
    async put(record: AliasRecord): Promise<void> {
      const { key, ...rest } = record;
      await db()
        .insert(aliases)
        .values({ ...record, createdAt: Date.now() })
        .onConflictDoUpdate({ target: aliases.key, set: { ...rest, createdAt: Date.now() } });
      remember(key, record);
    },
    /** Forgets the aliases of one canonical entry (it was deleted), of one namespace, or all of them. */
    async clear(canonicalKey?: string, namespace?: string): Promise<void> {
      recent.clear();
      const where =
        canonicalKey !== undefined
          ? eq(aliases.canonicalKey, canonicalKey)
          : namespace !== undefined
            ? eq(aliases.namespace, namespace)
            : undefined;
      await db().delete(aliases).where(where);
    },
    /** Aliases stored (of one namespace, when given). */
    async count(namespace?: string): Promise<number> {
      const where = namespace === undefined ? undefined : eq(aliases.namespace, namespace);
      const [row] = await db().select({ n: count() }).from(aliases).where(where);
      return row?.n ?? 0;
    },
  };
}

export type AliasStore = ReturnType<typeof createAliasStore>;
