/**
 * @module Per-isolate memo of chat requests: (namespace, raw JSON body) -> the validated body and, once
 * resolved, its canonical params and exact key. A repeated request (the common case for a cache hit)
 * skips JSON parsing, zod, canonical JSON and SHA-256. Authentication, the body size limit and the
 * request controls still run on every request; only bodies that validated are remembered, so a bad
 * body always meets the validator and gets the same 400.
 */
import type { MiddlewareHandler } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../context";
import { validate } from "../validation";
import type { MemoSlot, PreparedChat } from "./memo-slot";

export type { MemoSlot, PreparedChat } from "./memo-slot";

/** Records what the slot's body resolves to; every later request with the same bytes reuses it. */
export function prepare(slot: MemoSlot, prepared: PreparedChat): PreparedChat {
  slot.prepared = deepFreeze(prepared);
  return slot.prepared;
}

export interface RequestMemoOptions {
  /** @default 1024 */
  maxEntries?: number;
  /** Budget of the estimated memory held (body text, parsed body and params). @default 4 MiB */
  maxBytes?: number;
  /** Longer bodies are not remembered: they take the ordinary path. @default 32 KiB */
  maxBodyChars?: number;
}

/** Rough cost of a slot beyond its text: the parsed body and params are about as big again, twice. */
const SLOT_COST_PER_CHAR = 3;
const SLOT_OVERHEAD_BYTES = 256;

/** A bounded LRU map from (namespace, body text) to a {@link MemoSlot}. */
export function createRequestMemo(options: RequestMemoOptions = {}) {
  const maxEntries = options.maxEntries ?? 1024;
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  const maxBodyChars = options.maxBodyChars ?? 32 * 1024;
  const slots = new Map<string, MemoSlot>();
  let bytes = 0;

  const cost = (id: string) => id.length * SLOT_COST_PER_CHAR + SLOT_OVERHEAD_BYTES;
  // The namespace's length comes first, so no (namespace, text) pair can spell another's id.
  const idOf = (namespace: string, text: string) => `${namespace.length}:${namespace}:${text}`;

  return {
    get(namespace: string, text: string): MemoSlot | undefined {
      const id = idOf(namespace, text);
      const slot = slots.get(id);
      if (slot) {
        slots.delete(id);
        slots.set(id, slot);
      }
      return slot;
    },
    set(namespace: string, text: string, slot: MemoSlot): void {
      if (text.length > maxBodyChars) return;
      const id = idOf(namespace, text);
      if (slots.has(id)) return;
      deepFreeze(slot.body);
      slots.set(id, slot);
      bytes += cost(id);
      for (const oldest of slots.keys()) {
        if (slots.size <= maxEntries && bytes <= maxBytes) break;
        slots.delete(oldest);
        bytes -= cost(oldest);
      }
    },
    get size() {
      return slots.size;
    },
    get bytes() {
      return bytes;
    },
  };
}

export type RequestMemo = ReturnType<typeof createRequestMemo>;

/**
 * Freezes what a slot shares, so one request cannot change what the next one reads. Iterative: a
 * valid body can nest arrays thousands deep (`tools` takes any JSON).
 */
function deepFreeze<T>(value: T): T {
  const pending: unknown[] = [value];
  for (let next = pending.pop(); next !== undefined || pending.length > 0; next = pending.pop()) {
    if (next === null || typeof next !== "object" || Object.isFrozen(next)) continue;
    Object.freeze(next);
    for (const inner of Object.values(next)) pending.push(inner);
  }
  return value;
}

// Hono's own test of a JSON body (hono/validator): anything else is not parsed and fails validation.
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * The JSON validator of `schema` in front of a memo: a body this namespace sent before (same bytes)
 * reuses its validated value and {@link MemoSlot}; any other body goes through {@link validate}
 * unchanged and is remembered once it passes. Sets `memo` to the request's slot. Runs after
 * `requireClient` (namespace) and the body limit.
 */
export function memoizedJson<T extends z.ZodType>(schema: T, memo: RequestMemo) {
  const validator = validate("json", schema);
  // Typed as the validator it wraps: it sets the same validated value.
  const run = validator as unknown as MiddlewareHandler<AppEnv>;
  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    const mediaType = c.req.header("content-type")?.split(";")[0]?.trim() ?? "";
    if (!JSON_MEDIA_TYPE.test(mediaType)) return run(c, next);
    // Hono keeps the text, so the validator below parses these same bytes without reading them twice.
    const text = await c.req.text();
    const namespace = c.get("namespace");
    const known = memo.get(namespace, text);
    if (known) {
      c.req.addValidatedData("json", known.body as object);
      c.set("memo", known);
      return next();
    }
    return run(c, async () => {
      const slot: MemoSlot = { body: c.req.valid("json" as never) };
      memo.set(namespace, text, slot);
      c.set("memo", slot);
      await next();
    });
  };
  return middleware as unknown as typeof validator;
}
