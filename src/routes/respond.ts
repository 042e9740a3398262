/** @module What the chat routes share: resolving a request through the cache and the x-r1cache headers. */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { parseControls } from "../cache/controls";
import { canonicalParams, customKey, exactKey, type RawChatParams } from "../cache/key";
import { type CacheOutcome, createCacheService } from "../cache/service";
import { resolveConfig } from "../config-store";
import type { AppEnv } from "../context";
import { CacheError } from "../errors";
import { demoteIdleL1 } from "../maintenance";
import { flushPrefetch } from "../prefetch/flush";
import { flushStats } from "../stats/collector";
import { flushSamples } from "../tuning/sample";
import { createUpstream } from "../upstream";
import { type MemoSlot, prepare } from "./request-memo";

/** Sets `config` and `cache` for the request. */
export const withCache = createMiddleware<AppEnv>(async (c, next) => {
  const config = await resolveConfig(c.env);
  c.set("config", config);
  c.set(
    "cache",
    createCacheService({ env: c.env, ctx: c.executionCtx, config, upstream: () => createUpstream(c.env) }),
  );
  await next();
  // This isolate's statistics reach their shard every few seconds, after a response, never before one.
  // One waitUntil for the three: each call crosses into the runtime, on every hit (BENCHMARKS.md).
  if (config.statistics) {
    c.executionCtx.waitUntil(
      Promise.all([
        flushStats(c.env.STATS),
        flushSamples(c.env.TUNER),
        flushPrefetch(c.env, c.get("cache"), config),
      ]),
    );
  }
  c.executionCtx.waitUntil(demoteIdleL1(c.env, c.executionCtx, config).catch(() => undefined));
});

// The body-limit middleware of the current maxRequestBytes (it changes only with the config).
let limiter: { maxSize: number; middleware: MiddlewareHandler } | undefined;

/** 413 for bodies over `maxRequestBytes` (of the runtime config: runs after {@link withCache}). */
export const limitBody = createMiddleware<AppEnv>((c, next) => {
  const maxSize = c.get("config").maxRequestBytes;
  if (limiter?.maxSize !== maxSize) {
    const middleware = bodyLimit({
      maxSize,
      onError: () => {
        throw new CacheError("payload_too_large", `request body is larger than ${maxSize} bytes`, {
          field: "body",
        });
      },
    });
    limiter = { maxSize, middleware };
  }
  return limiter.middleware(c, next);
});

export interface ResolvedChat {
  key: string;
  outcome: CacheOutcome;
  /** Epoch ms when the route started, for response_time_ms and Server-Timing. */
  startedAt: number;
  lookupMs: number;
}

/**
 * Canonicalises, keys and resolves a chat request through the cache. `raw` must follow from the
 * validated body alone: a body sent again reuses the params and key its memo slot holds.
 */
export async function resolveChat(
  c: Context<AppEnv>,
  raw: () => RawChatParams,
  controlsOverride?: { lookup?: boolean; store?: boolean },
) {
  const startedAt = Date.now();
  const controls = { ...parseControls((name) => c.req.header(name)), ...controlsOverride };
  const namespace = c.get("namespace");
  const slot = c.get("memo");
  const prepared = slot?.prepared ?? (await keyed(namespace, raw(), slot));
  const { params } = prepared;
  const key = controls.customKey ? await customKey(namespace, controls.customKey) : prepared.key;
  const outcome = await c.get("cache").resolve({ namespace, key, params, controls });
  return { key, outcome, startedAt, lookupMs: Date.now() - startedAt } satisfies ResolvedChat;
}

async function keyed(namespace: string, raw: RawChatParams, slot: MemoSlot | undefined) {
  const params = canonicalParams(raw);
  const key = await exactKey(namespace, params);
  return slot ? prepare(slot, { params, key }) : { params, key };
}

/**
 * The key of the entry behind the answer: the one served on a hit (for a semantic hit, the canonical
 * entry, not the paraphrase's own key), the one being stored on a miss. It is the key
 * `DELETE /admin/entries/:key` takes, so a wrong semantic hit can be removed by what it says.
 */
export function entryKey(resolved: ResolvedChat): string {
  return resolved.outcome.status === "HIT" ? resolved.outcome.entry.key : resolved.key;
}

/** The x-r1cache-* and Server-Timing headers of a resolved request. */
export function cacheHeaders(resolved: ResolvedChat): Record<string, string> {
  const { outcome, lookupMs } = resolved;
  const headers: Record<string, string> = {
    "x-r1cache": outcome.status,
    "x-r1cache-key": entryKey(resolved),
    // Cloudflare AI Gateway's name for the same thing.
    "cf-aig-cache-status": outcome.status === "HIT" ? "HIT" : "MISS",
  };
  if (outcome.status === "HIT") {
    headers["x-r1cache-tier"] = outcome.tier;
    headers["x-r1cache-match"] = outcome.match;
    headers["x-r1cache-similarity"] = outcome.similarity.toFixed(4);
    // Header values must be ByteStrings: reasons can quote non-Latin-1 prompt text.
    if (outcome.reason) headers["x-r1cache-reason"] = encodeURIComponent(outcome.reason);
  }
  if (outcome.status !== "HIT" && outcome.coalesced) headers["x-r1cache-coalesced"] = "1";
  const total = Date.now() - resolved.startedAt;
  headers["server-timing"] = `cache;desc="${outcome.status}";dur=${lookupMs}, total;dur=${total}`;
  return headers;
}

/** An SSE response with the cache headers of `resolved`. */
export function sseResponse(resolved: ResolvedChat, body: ReadableStream<Uint8Array>): Response {
  return new Response(body, {
    headers: {
      ...cacheHeaders(resolved),
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    },
  });
}
