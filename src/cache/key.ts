/** @module The exact cache key: SHA-256 over the namespace and everything that changes R1's answer. */
import type { ChatMessage, ChatParams } from "../upstream/types";
import { sha256Hex } from "./codec";

/** Upstream defaults (DeepSeek API): an omitted parameter is keyed as this, not as 0 or null. */
export const PARAM_DEFAULTS = { temperature: 1, top_p: 1 } as const;

/** The model a request without one is sent to. */
export const DEFAULT_MODEL = "deepseek-reasoner";

const THINK_BLOCK = /<think>[\s\S]*?<\/think>\s*/g;

/**
 * Reasoning is never fed back into context (DeepSeek's guidance for R1): earlier assistant turns keep
 * only their answer, so a conversation keys the same whether or not the client echoed the reasoning.
 */
export function stripReasoning(message: ChatMessage): ChatMessage {
  if (message.role !== "assistant" || typeof message.content !== "string") return message;
  return { ...message, content: message.content.replace(THINK_BLOCK, "") };
}

/** Parameters as a client may send them, before defaults are filled. */
export interface RawChatParams {
  model?: string;
  messages: ChatMessage[];
  temperature?: number | null;
  top_p?: number | null;
  max_tokens?: number | null;
  stop?: string | string[] | null;
  tools?: unknown[] | null;
  response_format?: unknown;
  seed?: number | null;
}

function isPlainText(format: unknown): boolean {
  return typeof format === "object" && format !== null && (format as { type?: unknown }).type === "text";
}

/** Fills defaults and normalises equivalent spellings (`stop: "x"` = `["x"]`, empty tools = none). */
export function canonicalParams(raw: RawChatParams): ChatParams {
  const stop = raw.stop == null ? null : typeof raw.stop === "string" ? [raw.stop] : raw.stop;
  return {
    model: raw.model ?? DEFAULT_MODEL,
    messages: raw.messages.map(stripReasoning),
    temperature: raw.temperature ?? PARAM_DEFAULTS.temperature,
    top_p: raw.top_p ?? PARAM_DEFAULTS.top_p,
    max_tokens: raw.max_tokens ?? null,
    stop: stop && stop.length > 0 ? stop : null,
    tools: raw.tools && raw.tools.length > 0 ? raw.tools : null,
    response_format:
      raw.response_format == null || isPlainText(raw.response_format) ? null : raw.response_format,
    seed: raw.seed ?? null,
  };
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` key the same. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The exact key of a canonical request in a namespace (hex SHA-256, versioned). */
export function exactKey(namespace: string, params: ChatParams): Promise<string> {
  return sha256Hex(stableStringify({ v: 1, namespace, ...params }));
}

/** The key of an entry the client names itself (`cf-aig-cache-key`), in a namespace. */
export function customKey(namespace: string, key: string): Promise<string> {
  return sha256Hex(stableStringify({ v: 1, namespace, customKey: key }));
}

/** The last user message: what semantic matching embeds and what the explorer shows. */
export function lastUserPrompt(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role === "user") return message.content ?? "";
  }
  return "";
}
