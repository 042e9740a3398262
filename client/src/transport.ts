/** @module One HTTP call to the worker: URL, credentials, cache-control headers, deadline, errors. */
import { errorFromResponse, R1CacheError } from "./errors.js";
import type { CacheControls, CacheInfo, CacheStatus, CallOptions, MatchKind, TierName } from "./types.js";

/** A `fetch`: the global one, a worker's service binding, or a test's `worker.fetch`. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  baseUrl: string;
  apiKey?: string;
  adminToken?: string;
  fetch?: FetchLike;
  timeoutMs: number;
  headers?: Record<string, string>;
}

export interface Call extends CallOptions {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  /** Which credential goes in `Authorization`. */
  auth: "client" | "admin";
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  cache?: CacheControls;
}

/** Aborts on the caller's signal or when no progress was made for `timeoutMs`; `touch` re-arms it. */
export interface Deadline {
  signal: AbortSignal;
  touch(): void;
  /** The error to throw for a rejection under this deadline: timeout, the caller's abort, or network. */
  failure(error: unknown): unknown;
  dispose(): void;
}

export function createDeadline(timeoutMs: number, outer?: AbortSignal): Deadline {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const onAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) onAbort();
  else outer?.addEventListener("abort", onAbort, { once: true });
  const touch = () => {
    if (timer !== undefined) clearTimeout(timer);
    if (timeoutMs <= 0 || controller.signal.aborted) return;
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(
        new R1CacheError(`no response within ${timeoutMs} ms`, { status: 0, code: "timeout" }),
      );
    }, timeoutMs);
  };
  touch();
  return {
    signal: controller.signal,
    touch,
    failure(error) {
      if (error instanceof R1CacheError) return error;
      if (timedOut) return controller.signal.reason;
      // The caller's own abort surfaces as the reason they gave, as with fetch.
      if (outer?.aborted) return outer.reason;
      const detail = error instanceof Error ? error.message : String(error);
      return new R1CacheError(`request failed: ${detail}`, { status: 0, code: "network", cause: error });
    },
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      outer?.removeEventListener("abort", onAbort);
    },
  };
}

/** `Cache-Control` and `x-r1cache-*` request headers for `controls`. */
export function controlHeaders(controls: CacheControls = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  const directives: string[] = [];
  if (controls.lookup === false) directives.push("no-cache");
  if (controls.store === false) directives.push("no-store");
  if (controls.maxAgeSeconds !== undefined) directives.push(`max-age=${controls.maxAgeSeconds}`);
  if (directives.length > 0) headers["cache-control"] = directives.join(", ");
  if (controls.ttlSeconds !== undefined) headers["x-r1cache-ttl"] = String(controls.ttlSeconds);
  if (controls.threshold !== undefined) headers["x-r1cache-threshold"] = String(controls.threshold);
  if (controls.semantic !== undefined) headers["x-r1cache-semantic"] = controls.semantic ? "on" : "off";
  if (controls.session !== undefined) headers["x-r1cache-session"] = controls.session;
  return headers;
}

/** The `x-r1cache-*` response headers. */
export function cacheInfo(headers: Headers): CacheInfo {
  const similarity = headers.get("x-r1cache-similarity");
  const reason = headers.get("x-r1cache-reason");
  return {
    status: headers.get("x-r1cache") as CacheStatus | null,
    tier: headers.get("x-r1cache-tier") as TierName | null,
    match: headers.get("x-r1cache-match") as MatchKind | null,
    similarity: similarity === null ? null : Number(similarity),
    key: headers.get("x-r1cache-key"),
    reason: reason === null ? null : safeDecode(reason),
    coalesced: headers.get("x-r1cache-coalesced") === "1",
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export interface Transport {
  /** Sends `call`; resolves with a 2xx response and its live deadline, throws R1CacheError otherwise. */
  send(call: Call): Promise<{ response: Response; deadline: Deadline }>;
  /** Sends `call` and parses its JSON body. */
  json<T>(call: Call): Promise<{ body: T; response: Response }>;
}

export function createTransport(options: TransportOptions): Transport {
  const base = options.baseUrl.replace(/\/+$/, "");
  const doFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  function url(call: Call): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(call.query ?? {}))
      if (value !== undefined) params.set(name, String(value));
    const search = params.toString();
    return `${base}${call.path}${search ? `?${search}` : ""}`;
  }

  function headers(call: Call): Record<string, string> {
    const token = call.auth === "admin" ? options.adminToken : options.apiKey;
    return {
      accept: "application/json, text/event-stream",
      ...(call.body !== undefined && { "content-type": "application/json" }),
      ...(token && { authorization: `Bearer ${token}` }),
      ...options.headers,
      ...controlHeaders(call.cache),
      ...call.headers,
    };
  }

  async function send(call: Call) {
    const deadline = createDeadline(call.timeoutMs ?? options.timeoutMs, call.signal);
    try {
      const response = await doFetch(url(call), {
        method: call.method,
        headers: headers(call),
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: deadline.signal,
      });
      if (!response.ok) throw await errorFromResponse(response);
      deadline.touch();
      return { response, deadline };
    } catch (error) {
      deadline.dispose();
      throw deadline.failure(error);
    }
  }

  async function json<T>(call: Call) {
    const { response, deadline } = await send(call);
    try {
      const text = await response.text();
      try {
        return { body: JSON.parse(text) as T, response };
      } catch (error) {
        throw new R1CacheError(`expected JSON from ${call.path}, got: ${text.slice(0, 200)}`, {
          status: response.status,
          code: "bad_response",
          cause: error,
        });
      }
    } catch (error) {
      throw deadline.failure(error);
    } finally {
      deadline.dispose();
    }
  }

  return { send, json };
}
