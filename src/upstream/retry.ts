/** @module Upstream calls with a timeout and retries (exponential backoff, full jitter, Retry-After). */
import { CacheError } from "../errors";

/** How an upstream call is timed out and retried. Every field has a default. */
export interface RetryOptions {
  /** Time allowed until the response headers (first byte) of each attempt. @default 120000 */
  timeoutMs?: number;
  /** Retries after the first attempt, on 429, 5xx and network errors. @default 2 */
  retries?: number;
  /** Backoff base: attempt n waits a random time in [0, min(maxDelayMs, baseDelayMs * 2^n)). @default 250 */
  baseDelayMs?: number;
  /** Cap of the exponential backoff. @default 4000 */
  maxDelayMs?: number;
  /** Cap on a server's `Retry-After`, so a long one cannot hold the client. @default 10000 */
  maxRetryAfterMs?: number;
  /** Waits between attempts; tests inject a fake. Must reject when the signal aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Source of jitter in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * The outcome of one attempt: a value, or an error with when to try again. `retry` overrides
 * `error.retryable` (a timeout is retryable for the client, but we do not wait another 120 s for it).
 */
export type AttemptResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: CacheError; retryAfterMs?: number; retry?: boolean };

export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_RETRIES = 2;

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or the retries are spent; then
 * throws the last error. Waits between attempts with full jitter, or the attempt's `retryAfterMs` (capped).
 */
export async function withRetries<T>(
  attempt: (index: number) => Promise<AttemptResult<T>>,
  options: RetryOptions & { signal?: AbortSignal } = {},
): Promise<T> {
  const retries = Math.max(0, options.retries ?? DEFAULT_RETRIES);
  const { baseDelayMs = 250, maxDelayMs = 4000, maxRetryAfterMs = 10_000 } = options;
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  for (let index = 0; ; index++) {
    options.signal?.throwIfAborted();
    const result = await attempt(index);
    if (result.ok) return result.value;
    if (!(result.retry ?? result.error.retryable) || index >= retries) throw result.error;
    const backoff = random() * Math.min(maxDelayMs, baseDelayMs * 2 ** index);
    const delay =
      result.retryAfterMs !== undefined ? Math.min(result.retryAfterMs, maxRetryAfterMs) : backoff;
    await wait(delay, options.signal);
  }
}

/** `Retry-After` as milliseconds: delay-seconds or an HTTP date (https://httpwg.org/specs/rfc9110.html#field.retry-after). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Whether an HTTP status is worth retrying: rate limits and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/**
 * Links an attempt's controller to the caller's signal and arms the first-byte timer. The returned
 * `clear()` disarms the timer once headers arrive, so a long stream is not cut by it; the link to the
 * caller stays, so a client that goes away still aborts the body.
 */
export function attemptSignal(
  timeoutMs: number,
  caller?: AbortSignal,
): { signal: AbortSignal; timedOut: () => boolean; clear: () => void } {
  const controller = new AbortController();
  let fired = false;
  const timer = setTimeout(() => {
    fired = true;
    controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, "TimeoutError"));
  }, timeoutMs);
  if (caller?.aborted) controller.abort(caller.reason);
  else caller?.addEventListener("abort", () => controller.abort(caller.reason), { once: true });
  return { signal: controller.signal, timedOut: () => fired, clear: () => clearTimeout(timer) };
}

/** Options of {@link fetchWithRetry}. */
export interface FetchRetryOptions extends RetryOptions {
  /** The caller's signal: aborting it aborts the attempt (and the body) and throws its reason. */
  signal?: AbortSignal;
  /** @default globalThis.fetch, looked up at call time so that test spies see the call. */
  fetch?: typeof fetch;
  /** Provider name for error messages. @default "upstream" */
  name?: string;
  /** Strings (API keys) scrubbed from error messages, which may quote the upstream's reply. */
  secrets?: string[];
}

/**
 * `fetch` with a first-byte timeout and retries before the first byte. Resolves with the first 2xx
 * response; otherwise throws `CacheError` `upstream_error` (with `upstreamStatus` when the upstream
 * answered) or `upstream_timeout`. The caller's abort is rethrown as is, never retried.
 */
export function fetchWithRetry(
  url: string,
  init: RequestInit,
  options: FetchRetryOptions = {},
): Promise<Response> {
  const { name = "upstream", timeoutMs = DEFAULT_TIMEOUT_MS, secrets = [] } = options;
  const doFetch = options.fetch ?? ((input: string, req?: RequestInit) => fetch(input, req));
  return withRetries(async (): Promise<AttemptResult<Response>> => {
    const timing = attemptSignal(timeoutMs, options.signal);
    try {
      const res = await doFetch(url, { ...init, signal: timing.signal });
      if (res.ok) return { ok: true, value: res };
      const detail = await errorDetail(res, secrets);
      const error = new CacheError("upstream_error", `${name} answered HTTP ${res.status}${detail}`, {
        upstreamStatus: res.status,
        retryable: isRetryableStatus(res.status),
      });
      return { ok: false, error, retryAfterMs: parseRetryAfter(res.headers.get("retry-after")) };
    } catch (cause) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timing.timedOut()) {
        const message = `${name} did not answer within ${timeoutMs} ms`;
        return {
          ok: false,
          error: new CacheError("upstream_timeout", message, { retryable: true }),
          retry: false,
        };
      }
      const message = `${name} is unreachable: ${redact(String(cause), secrets)}`;
      return { ok: false, error: new CacheError("upstream_error", message, { retryable: true, cause }) };
    } finally {
      timing.clear();
    }
  }, options);
}

/** The start of an error body, for the message; never the request, which carries the key. */
async function errorDetail(res: Response, secrets: string[]): Promise<string> {
  try {
    const text = (await res.text()).trim().slice(0, 300);
    return text ? `: ${redact(text, secrets)}` : "";
  } catch {
    return "";
  }
}

/** Removes secrets and anything shaped like a bearer token or an `sk-` key. */
export function redact(text: string, secrets: string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join("[redacted]");
  return out
    .replace(/Bearer\s+[\w.~+/=-]+/gi, "Bearer [redacted]")
    .replace(/\bsk-[\w-]{6,}/g, "sk-[redacted]");
}
