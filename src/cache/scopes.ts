/**
 * @module Semantic scopes in D1: for each entry whose question went into the vector index, the request's
 * context (everything but the question) as stable JSON. The vector index cannot be rebuilt from the
 * entries alone, because the context fingerprint hashes the whole conversation and D1's `entries` keeps
 * only the question; with this row, `POST /admin/maintenance/rebuild` re-embeds the question and
 * recomputes the fingerprint for the embedder of the day.
 */
import { inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { semanticScopes } from "../db/schema";

/**
 * Contexts longer than this are not kept (the entry is then matched exactly only after a rebuild).
 * A D1 row holds at most 2 MB (https://developers.cloudflare.com/d1/platform/limits/). @default 262144
 */
export const MAX_SCOPE_CHARS = 256 * 1024;

/** D1 binds at most 100 parameters per statement. */
const IDS_PER_STATEMENT = 90;

/** The scope table: written with each indexed question, read by the rebuild. */
export function createScopeStore(d1: D1Database) {
  const db = drizzle(d1);
  return {
    /** Keeps the context of `key`'s question; false when it is too long to keep. */
    async put(key: string, namespace: string, context: string, now = Date.now()): Promise<boolean> {
      if (context.length > MAX_SCOPE_CHARS) return false;
      await db
        .insert(semanticScopes)
        .values({ key, namespace, context, createdAt: now })
        .onConflictDoUpdate({ target: semanticScopes.key, set: { namespace, context, createdAt: now } });
      return true;
    },
    /** The stored contexts of these keys, by key. */
    async get(keys: string[]): Promise<Map<string, string>> {
      const found = new Map<string, string>();
      for (let i = 0; i < keys.length; i += IDS_PER_STATEMENT) {
        const rows = await db
          .select({ key: semanticScopes.key, context: semanticScopes.context })
          .from(semanticScopes)
          .where(inArray(semanticScopes.key, keys.slice(i, i + IDS_PER_STATEMENT)));
        for (const row of rows) found.set(row.key, row.context);
      }
      return found;
    },
  };
}
