/** @module Upstream for any OpenAI-compatible `/chat/completions` endpoint (DeepSeek, vLLM, OpenRouter…). */
import { CacheError } from "../errors";
import {
  asString,
  deltaEvent,
  firstChoice,
  isRecord,
  parseUpstreamJson,
  payloadError,
  readUsage,
  reasoningOf,
} from "./json";
import { DEFAULT_TIMEOUT_MS, fetchWithRetry, type RetryOptions } from "./retry";
import { guardBody, parseSse, readText, SSE_DONE, type SseOptions, truncatedError } from "./sse";
import { splitThinkEvents } from "./think-splitter";
import type { ChatParams, ReasoningFormat, Upstream, UpstreamEvent, Usage } from "./types";

/** Options of {@link createOpenAICompatibleUpstream}; retry and timeout fields default as in {@link RetryOptions}. */
export interface OpenAICompatibleOptions extends RetryOptions {
  /** Base URL without `/chat/completions`, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set. Never logged nor put in error messages. */
  apiKey?: string;
  /** Model sent upstream, overriding the client's. Unset: the client's `model`. */
  model?: string;
  /** Provider id. @default "openai" */
  name?: string;
  /** @default globalThis.fetch (looked up at call time) */
  fetch?: typeof fetch;
  /** `think-tags` splits inline `<think>` out of the content. @default "reasoning_content" */
  reasoningFormat?: ReasoningFormat;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

const OPTIONAL_PARAMS = [
  "temperature",
  "top_p",
  "max_tokens",
  "stop",
  "tools",
  "response_format",
  "seed",
] as const;

/** The JSON body sent upstream: every non-null ChatParams field, streaming with usage. */
export function buildChatRequest(params: ChatParams, model?: string): Record<string, unknown> {
  const body: Record<string, unknown> = { model: model ?? params.model, messages: params.messages };
  for (const key of OPTIONAL_PARAMS) {
    const value = params[key];
    if (value !== null && value !== undefined) body[key] = value;
  }
  return { ...body, stream: true, stream_options: { include_usage: true } };
}

/** Creates an {@link Upstream} that POSTs to `${baseUrl}/chat/completions` and streams the reply. */
export function createOpenAICompatibleUpstream(options: OpenAICompatibleOptions): Upstream {
  const name = options.name ?? "openai";
  const reasoningFormat = options.reasoningFormat ?? "reasoning_content";
  const url = `${options.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "text/event-stream, application/json",
    ...options.headers,
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
  };
  return {
    name,
    reasoningFormat,
    async *stream(params, callOptions = {}) {
      const { signal } = callOptions;
      const body = JSON.stringify(buildChatRequest(params, options.model));
      const res = await fetchWithRetry(
        url,
        { method: "POST", headers, body },
        { ...options, name, signal, secrets: options.apiKey ? [options.apiKey] : [] },
      );
      const read: SseOptions = { idleTimeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal, name };
      const json = (res.headers.get("content-type") ?? "").includes("json");
      const events = json ? jsonReplyEvents(res, read) : chunkEvents(res, read);
      yield* reasoningFormat === "think-tags" ? splitThinkEvents(events) : events;
    },
  };
}

/** Parses `chat.completion.chunk` events; ends with one `done`, or throws `upstream_truncated`. */
async function* chunkEvents(res: Response, read: SseOptions): AsyncGenerator<UpstreamEvent> {
  const name = read.name ?? "upstream";
  let finishReason: string | undefined;
  let usage: Usage | null = null;
  let sawDone = false;
  if (!res.body) throw truncatedError(name, "an empty body");
  for await (const data of guardBody(parseSse(res.body, read), read)) {
    if (data === SSE_DONE) {
      sawDone = true;
      break;
    }
    const chunk = parseUpstreamJson(data, name);
    const error = payloadError(chunk, name);
    if (error) throw error;
    if (!isRecord(chunk)) continue;
    usage = readUsage(chunk.usage) ?? usage;
    const choice = firstChoice(chunk);
    const delta = isRecord(choice?.delta) ? choice.delta : {};
    const event = deltaEvent(reasoningOf(delta), asString(delta.content));
    if (event) yield event;
    finishReason = asString(choice?.finish_reason) ?? finishReason;
  }
  if (!sawDone && finishReason === undefined) throw truncatedError(name, "the end of the stream");
  yield { type: "done", finishReason: finishReason ?? "stop", usage };
}

/** A server that ignored `stream: true` and sent one `chat.completion`: replayed as events. */
async function* jsonReplyEvents(res: Response, read: SseOptions): AsyncGenerator<UpstreamEvent> {
  const name = read.name ?? "upstream";
  const text = res.body ? await readText(res.body, read) : "";
  const reply = parseUpstreamJson(text, name);
  const error = payloadError(reply, name);
  if (error) throw error;
  const choice = isRecord(reply) ? firstChoice(reply) : undefined;
  if (!isRecord(reply) || !choice) {
    throw new CacheError("upstream_error", `${name} sent a reply without choices`, { retryable: true });
  }
  const message = isRecord(choice.message) ? choice.message : {};
  const event = deltaEvent(reasoningOf(message), asString(message.content));
  if (event) yield event;
  yield {
    type: "done",
    finishReason: asString(choice.finish_reason) ?? "stop",
    usage: readUsage(reply.usage),
  };
}
