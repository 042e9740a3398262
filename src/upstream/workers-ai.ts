/** @module Upstream for Workers AI through the native `AI` binding (distilled R1 models with inline `<think>`). */
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
import {
  type AttemptResult,
  attemptSignal,
  DEFAULT_TIMEOUT_MS,
  type RetryOptions,
  withRetries,
} from "./retry";
import { guardBody, parseSse, SSE_DONE, type SseOptions, truncatedError } from "./sse";
import { splitThinkEvents } from "./think-splitter";
import type { ChatParams, Upstream, UpstreamEvent, Usage } from "./types";

/** @default Workers AI model: https://developers.cloudflare.com/workers-ai/models/deepseek-r1-distill-qwen-32b/ */
export const WORKERS_AI_DEFAULT_MODEL = "@cf/deepseek-ai/deepseek-r1-distill-qwen-32b";

/** Every text-generation model takes the same inputs; this literal just selects the streaming overload. */
type TextGenerationModel = typeof WORKERS_AI_DEFAULT_MODEL;

/** Options of {@link createWorkersAiUpstream}. */
export interface WorkersAiOptions extends RetryOptions {
  /** The `AI` binding (`"ai": { "binding": "AI" }` in wrangler.jsonc). */
  ai: Ai;
  /** @default "@cf/deepseek-ai/deepseek-r1-distill-qwen-32b" */
  model?: string;
  /**
   * Sent when the client gave no `max_tokens`. Workers AI's own default is 256 tokens, which cuts R1's
   * reasoning short (https://developers.cloudflare.com/workers-ai/platform/limits/).
   * @default 4096
   */
  defaultMaxTokens?: number;
}

/** The inputs given to `ai.run`: messages plus the sampling parameters Workers AI accepts. */
export function buildWorkersAiInputs(params: ChatParams, defaultMaxTokens = 4096) {
  return {
    messages: params.messages.map((m) => ({
      role: m.role === "developer" ? "system" : m.role,
      content: m.content ?? "",
      ...(m.name ? { name: m.name } : {}),
    })),
    stream: true as const,
    max_tokens: params.max_tokens ?? defaultMaxTokens,
    temperature: params.temperature,
    top_p: params.top_p,
    ...(params.seed !== null ? { seed: params.seed } : {}),
  };
}

/**
 * Creates the Workers AI upstream. `ai.run` is retried on capacity, rate-limit and server errors until
 * it returns a stream; the stream's `{"response": …}` events are split at `</think>` into reasoning and
 * answer (reasoning format `think-tags`).
 */
export function createWorkersAiUpstream(options: WorkersAiOptions): Upstream {
  const model = options.model || WORKERS_AI_DEFAULT_MODEL;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    name: "workers-ai",
    reasoningFormat: "think-tags",
    async *stream(params, { signal } = {}) {
      const inputs = buildWorkersAiInputs(params, options.defaultMaxTokens);
      const attempt = () => runOnce(options.ai, model, inputs, timeoutMs, signal);
      const output = await withRetries(attempt, { ...options, signal });
      const read: SseOptions = { idleTimeoutMs: timeoutMs, signal, name: "workers-ai" };
      const events =
        output instanceof ReadableStream
          ? streamEvents(output, read, inputs.max_tokens)
          : objectEvents(output);
      yield* splitThinkEvents(events);
    },
  };
}

/** One `ai.run` with the first-byte timeout; the caller's abort is rethrown, never retried. */
async function runOnce(
  ai: Ai,
  model: string,
  inputs: ReturnType<typeof buildWorkersAiInputs>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<AttemptResult<unknown>> {
  const timing = attemptSignal(timeoutMs, signal);
  try {
    const run = ai.run(model as TextGenerationModel, inputs, { signal: timing.signal });
    return { ok: true, value: await abortable(run, timing.signal) };
  } catch (cause) {
    if (signal?.aborted) throw signal.reason;
    if (!timing.timedOut()) return { ok: false, error: runError(cause) };
    const message = `workers-ai did not answer within ${timeoutMs} ms`;
    return {
      ok: false,
      error: new CacheError("upstream_timeout", message, { retryable: true }),
      retry: false,
    };
  } finally {
    timing.clear();
  }
}

/** Rejects when the signal aborts, in case the binding does not honour it. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    promise.then(resolve, reject);
  });
}

/**
 * Maps an `ai.run` failure to `upstream_error`. The binding throws plain errors whose message carries the
 * code (https://developers.cloudflare.com/workers-ai/platform/errors/): 3040 out of capacity and 3036
 * rate limits are 429-like; internal and upstream errors are 5xx-like; the rest (bad input) are final.
 */
export function runError(cause: unknown): CacheError {
  const message = cause instanceof Error ? cause.message : String(cause);
  const rateLimited = /capacity|rate.?limit|too many requests|\b(3040|3036|429)\b/i.test(message);
  const serverSide = /internal|unavailable|overloaded|upstream|timed? ?out|\b(3043|3007|5\d\d)\b/i.test(
    message,
  );
  const status = rateLimited ? 429 : serverSide ? 503 : 400;
  return new CacheError("upstream_error", `workers-ai failed: ${message.slice(0, 300)}`, {
    upstreamStatus: status,
    retryable: status !== 400,
    cause,
  });
}

/** Streams `{"response": …}` events (or OpenAI-shaped chunks from newer models) up to `[DONE]`. */
async function* streamEvents(
  body: ReadableStream,
  read: SseOptions,
  maxTokens: number,
): AsyncGenerator<UpstreamEvent> {
  let usage: Usage | null = null;
  let finishReason: string | undefined;
  let sawDone = false;
  for await (const data of guardBody(parseSse(body, read), read)) {
    if (data === SSE_DONE) {
      sawDone = true;
      break;
    }
    const chunk = parseUpstreamJson(data, "workers-ai");
    const error = payloadError(chunk, "workers-ai");
    if (error) throw error;
    if (!isRecord(chunk)) continue;
    usage = readUsage(chunk.usage) ?? usage;
    const choice = firstChoice(chunk);
    const delta = isRecord(choice?.delta) ? choice.delta : {};
    const event = deltaEvent(
      reasoningOf(delta),
      (asString(chunk.response) ?? "") + (asString(delta.content) ?? ""),
    );
    if (event) yield event;
    finishReason = asString(choice?.finish_reason) ?? asString(chunk.finish_reason) ?? finishReason;
  }
  if (!sawDone && finishReason === undefined) throw truncatedError("workers-ai", "the end of the stream");
  // The native shape has no finish_reason: hitting max_tokens is the only way to know it was cut.
  const cut = usage !== null && usage.completion_tokens >= maxTokens;
  yield { type: "done", finishReason: finishReason ?? (cut ? "length" : "stop"), usage };
}

/** A model that answered with one object instead of a stream. */
async function* objectEvents(output: unknown): AsyncGenerator<UpstreamEvent> {
  const error = payloadError(output, "workers-ai");
  if (error) throw error;
  const text = isRecord(output) ? asString(output.response) : undefined;
  if (text === undefined) {
    throw new CacheError("upstream_error", "workers-ai answered without a stream or a response", {
      retryable: true,
    });
  }
  const event = deltaEvent(undefined, text);
  if (event) yield event;
  yield { type: "done", finishReason: "stop", usage: isRecord(output) ? readUsage(output.usage) : null };
}
