/**
 * @module The cache explorer's reads (admin token, mounted under /admin/entries): entries found by their
 * prompt in the D1 index, and one entry with its aliases, statistics and answer. Deleting one is
 * `DELETE /admin/entries/:key` in ./admin.ts.
 */
import { and, desc, eq, lt, or, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { z } from "zod";
import { decodeEntry } from "../cache/codec";
import type { AppEnv } from "../context";
import { aliases, entries } from "../db/schema";
import { withDeadline } from "../deadline";
import { badRequest, CacheError } from "../errors";
import type { StoredEntry, TierName } from "../tiers/types";
import { validate } from "../validation";

/** Rows per page. @default 20 */
export const DEFAULT_PAGE = 20;
/** The most rows one call returns: each row is one indexed D1 read, and the page must stay small. */
export const MAX_PAGE = 100;
/** Characters of the answer the detail view shows. */
const PREVIEW_CHARS = 2_000;
/** Aliases listed per entry (a popular entry may have many paraphrases). */
const MAX_ALIASES = 100;

const pageError = `must be a whole number from 1 to ${MAX_PAGE}`;

export const entriesQuery = z.object({
  /** Case-insensitive substring of the entry's prompt or of one of its aliases' prompts. */
  q: z.string().max(500, { error: "must be at most 500 characters" }).optional(),
  namespace: z.string().min(1).max(256).optional(),
  limit: z.coerce
    .number({ error: pageError })
    .int({ error: pageError })
    .min(1, { error: pageError })
    .max(MAX_PAGE, { error: pageError })
    .default(DEFAULT_PAGE),
  /** `next_cursor` of the previous page. */
  cursor: z.string().max(200).optional(),
});

export const entryQuery = z.object({ namespace: z.string().min(1).max(256).optional() });

/** Newest first; the cursor is the last row's `<created_at>.<key>`. */
function parseCursor(cursor: string): { createdAt: number; key: string } {
  const match = /^(\d{1,16})\.([0-9a-f]{64})$/.exec(cursor);
  if (!match) throw badRequest("cursor", "must be the next_cursor of a previous page");
  return { createdAt: Number(match[1]), key: match[2] as string };
}

/** `%text%` for LIKE, with the wildcards in the text matched literally. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

export const entryRoutes = new Hono<AppEnv>();

entryRoutes.get("/", validate("query", entriesQuery), async (c) => {
  const { q, namespace, limit, cursor } = c.req.valid("query");
  const where: SQL[] = [];
  if (namespace !== undefined) where.push(eq(entries.namespace, namespace));
  if (q?.trim()) {
    const pattern = likePattern(q.trim());
    // SQLite's LIKE ignores ASCII case; the alias table is searched too, so a paraphrase finds its entry.
    const matched = or(
      sql`${entries.prompt} LIKE ${pattern} ESCAPE '\\'`,
      sql`"entries"."key" IN (SELECT "a"."canonical_key" FROM "aliases" AS "a" WHERE "a"."prompt" LIKE ${pattern} ESCAPE '\\')`,
    );
    if (matched) where.push(matched);
  }
  if (cursor !== undefined) {
    const after = parseCursor(cursor);
    const older = or(
      lt(entries.createdAt, after.createdAt),
      and(eq(entries.createdAt, after.createdAt), lt(entries.key, after.key)),
    );
    if (older) where.push(older);
  }
  const rows = await drizzle(c.env.DB)
    .select({
      key: entries.key,
      namespace: entries.namespace,
      model: entries.model,
      prompt: entries.prompt,
      location: entries.location,
      size: entries.size,
      storedSize: entries.storedSize,
      createdAt: entries.createdAt,
      lastHitAt: entries.lastHitAt,
      hitCount: entries.hitCount,
      // Qualified by hand: drizzle leaves column names unqualified in a one-table select.
      aliases: sql<number>`(SELECT count(*) FROM "aliases" AS "a" WHERE "a"."canonical_key" = "entries"."key")`,
    })
    .from(entries)
    .where(and(...where))
    .orderBy(desc(entries.createdAt), desc(entries.key))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return c.json({
    entries: page.map((row) => ({
      key: row.key,
      namespace: row.namespace,
      model: row.model,
      prompt: row.prompt,
      location: row.location,
      size: row.size,
      stored_size: row.storedSize,
      created_at: row.createdAt,
      last_hit_at: row.lastHitAt,
      hit_count: row.hitCount,
      aliases: Number(row.aliases),
    })),
    next_cursor: rows.length > limit && last ? `${last.createdAt}.${last.key}` : null,
  });
});

entryRoutes.get("/:key", validate("query", entryQuery), async (c) => {
  const key = c.req.param("key");
  if (!/^[0-9a-f]{64}$/.test(key))
    throw badRequest("key", "must be an entry key: 64 lowercase hex characters");
  const { namespace } = c.req.valid("query");
  const db = drizzle(c.env.DB);
  const [row] = await db.select().from(entries).where(eq(entries.key, key)).limit(1);
  // The shared tiers only: reading L1 would count as an access and bend its eviction order.
  const { chain } = c.get("cache");
  const config = c.get("config");
  const storedIn: TierName[] = [];
  let stored: StoredEntry | undefined;
  for (const tier of chain.tiers) {
    if (tier.name === "l1") continue;
    const timeout = config.tiers[tier.name].readTimeoutMs;
    const found = await withDeadline(tier.get(key), timeout, `${tier.name} get`).catch(() => null);
    if (!found) continue;
    storedIn.push(tier.name);
    stored ??= found;
  }
  const owner = row?.namespace ?? stored?.meta.namespace;
  if ((!row && !stored) || (namespace !== undefined && owner !== namespace)) {
    throw new CacheError("not_found", `No entry ${key}${namespace ? ` in namespace "${namespace}"` : ""}`, {
      field: "key",
    });
  }
  const entry = stored ? await decodeEntry(stored).catch(() => undefined) : undefined;
  const aliasRows = await db
    .select()
    .from(aliases)
    .where(eq(aliases.canonicalKey, key))
    .orderBy(desc(aliases.createdAt))
    .limit(MAX_ALIASES);
  return c.json({
    key,
    namespace: owner,
    model: row?.model ?? entry?.model ?? "",
    prompt: row?.prompt ?? entry?.prompt ?? "",
    location: row?.location ?? null,
    codec: row?.codec ?? stored?.meta.codec,
    size: row?.size ?? stored?.meta.size,
    stored_size: row?.storedSize ?? stored?.meta.storedSize,
    created_at: row?.createdAt ?? stored?.meta.createdAt,
    expires_at: row?.expiresAt ?? stored?.meta.expiresAt ?? null,
    last_hit_at: row?.lastHitAt ?? null,
    hit_count: row?.hitCount ?? 0,
    stored_in: storedIn,
    upstream: entry?.upstream ?? null,
    usage: entry?.usage ?? null,
    reasoning_chars: entry?.reasoning.length ?? null,
    response_chars: entry?.content.length ?? null,
    response_preview: entry?.content.slice(0, PREVIEW_CHARS) ?? null,
    aliases: aliasRows.map((a) => ({
      key: a.key,
      prompt: a.prompt,
      similarity: a.similarity,
      reason: a.reason,
      created_at: a.createdAt,
    })),
  });
});
