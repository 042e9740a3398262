/** @module Narrowing helpers for the JSON that upstreams send (parsed as `unknown`, never trusted). */
import { CacheError } from "../errors";
import type { UpstreamEvent, Usage } from "./types";

/** A plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value if it is a string, else undefined. */
export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Parses one JSON payload from an upstream; malformed JSON is an `upstream_error`. */
export function parseUpstreamJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new CacheError("upstream_error", `${name} sent malformed JSON: ${text.slice(0, 120)}`, {
      retryable: true,
      cause,
    });
  }
}

/** Reads an OpenAI-shaped `usage` object; absent or incomplete -> null. */
export function readUsage(value: unknown): Usage | null {
  if (!isRecord(value)) return null;
  const { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total } = value;
  if (typeof prompt !== "number" || typeof completion !== "number") return null;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: typeof total === "number" ? total : prompt + completion,
  };
}

/**
 * Turns an `{error}` payload (OpenAI `{error: {message, code}}` or a bare string) into an
 * `upstream_error`; `upstreamStatus` is taken from a numeric HTTP-like code when there is one.
 */
export function payloadError(payload: unknown, name: string): CacheError | null {
  if (!isRecord(payload) || payload.error === undefined || payload.error === null) return null;
  const error = payload.error;
  const message = isRecord(error) ? (asString(error.message) ?? JSON.stringify(error)) : String(error);
  const code = isRecord(error) ? Number(error.code ?? error.status) : Number.NaN;
  const status = Number.isInteger(code) && code >= 400 && code < 600 ? code : undefined;
  return new CacheError("upstream_error", `${name} reported an error: ${message.slice(0, 300)}`, {
    upstreamStatus: status,
    retryable: status === undefined || status === 429 || status >= 500,
  });
}

/** A delta event, or null when both parts are empty (nothing worth yielding). */
export function deltaEvent(reasoning?: string, content?: string): UpstreamEvent | null {
  if (!reasoning && !content) return null;
  return { type: "delta", ...(reasoning ? { reasoning } : {}), ...(content ? { content } : {}) };
}

/** `choices[0]` of an OpenAI-shaped payload, if it is an object. */
export function firstChoice(payload: Record<string, unknown>): Record<string, unknown> | undefined {
  const first: unknown = Array.isArray(payload.choices) ? payload.choices[0] : undefined;
  return isRecord(first) ? first : undefined;
}

/** Reasoning text of a delta or message: DeepSeek says `reasoning_content`; vLLM and OpenRouter say `reasoning`. */
export function reasoningOf(delta: Record<string, unknown>): string | undefined {
  return asString(delta.reasoning_content) ?? asString(delta.reasoning);
}
