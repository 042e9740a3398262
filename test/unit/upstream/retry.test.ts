import { describe, expect, it, vi } from "vitest";
import { CacheError } from "../../../src/errors";
import { fetchWithRetry, parseRetryAfter, redact, withRetries } from "../../../src/upstream/retry";
import { rejectionOf } from "../../helpers/streams";

type FetchFn = typeof fetch;

/** A fetch that answers from a script of responses (or errors), counting calls. */
function scriptedFetch(script: Array<Response | Error>) {
  return vi.fn<FetchFn>(async () => {
    const next = script.shift();
    if (!next) throw new Error("no more scripted responses");
    if (next instanceof Error) throw next;
    return next;
  });
}

/** A fetch that never answers until its signal aborts, like a stuck upstream. */
const hangingFetch = vi.fn<FetchFn>(
  (_input, init) =>
    new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason))),
);

const noSleep = () => vi.fn(async (_ms: number, _signal?: AbortSignal) => {});

describe("fetchWithRetry", () => {
  it("retries a 500 and returns the next success, after a jittered backoff", async () => {
    const fetch = scriptedFetch([new Response("boom", { status: 500 }), new Response("ok")]);
    const sleep = noSleep();
    const res = await fetchWithRetry("https://u.test/x", {}, { fetch, sleep, random: () => 0.5 });
    expect(await res.text()).toBe("ok");
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(sleep).toHaveBeenCalledTimes(1);
    expect(sleep.mock.calls[0]?.[0]).toBe(125); // 0.5 * 250
  });

  it("waits what Retry-After says on a 429, capped", async () => {
    const fetch = scriptedFetch([
      new Response("slow down", { status: 429, headers: { "retry-after": "2" } }),
      new Response("slow down", { status: 429, headers: { "retry-after": "3600" } }),
      new Response("ok"),
    ]);
    const sleep = noSleep();
    await fetchWithRetry("https://u.test/x", {}, { fetch, sleep, maxRetryAfterMs: 5000 });
    expect(sleep.mock.calls.map((c) => c[0])).toEqual([2000, 5000]);
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it("does not retry a 400 and carries the status and the upstream's message", async () => {
    const body = JSON.stringify({ error: { message: "messages: field required" } });
    const fetch = scriptedFetch([new Response(body, { status: 400 }), new Response("ok")]);
    const error = await rejectionOf(fetchWithRetry("https://u.test/x", {}, { fetch, sleep: noSleep() }));
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(error).toBeInstanceOf(CacheError);
    expect(error).toMatchObject({ code: "upstream_error", upstreamStatus: 400, retryable: false });
    expect((error as CacheError).message).toContain("messages: field required");
  });

  it("gives up after `retries` and reports the last status as retryable", async () => {
    const fetch = scriptedFetch([503, 502, 503].map((status) => new Response("down", { status })));
    const error = await rejectionOf(
      fetchWithRetry("https://u.test/x", {}, { fetch, sleep: noSleep(), retries: 2 }),
    );
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(error).toMatchObject({ code: "upstream_error", upstreamStatus: 503, retryable: true });
  });

  it("retries network errors", async () => {
    const fetch = scriptedFetch([new TypeError("Network connection lost."), new Response("ok")]);
    const res = await fetchWithRetry("https://u.test/x", {}, { fetch, sleep: noSleep() });
    expect(res.status).toBe(200);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it("times out with upstream_timeout and does not retry the timeout", async () => {
    hangingFetch.mockClear();
    const error = await rejectionOf(
      fetchWithRetry("https://u.test/x", {}, { fetch: hangingFetch, timeoutMs: 10, sleep: noSleep() }),
    );
    expect(error).toMatchObject({ code: "upstream_timeout", retryable: true });
    expect(hangingFetch).toHaveBeenCalledTimes(1);
  });

  it("rethrows the caller's abort as is, without retrying", async () => {
    hangingFetch.mockClear();
    const controller = new AbortController();
    const pending = fetchWithRetry(
      "https://u.test/x",
      {},
      { fetch: hangingFetch, signal: controller.signal },
    );
    controller.abort(new Error("client went away"));
    const error = await rejectionOf(pending);
    expect(error).toEqual(new Error("client went away"));
    expect(error).not.toBeInstanceOf(CacheError);
    expect(hangingFetch).toHaveBeenCalledTimes(1);
  });

  it("disarms the first-byte timer once headers arrive, so a slow body is not cut", async () => {
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((r) => setTimeout(r, 40));
        controller.enqueue(new TextEncoder().encode("late"));
        controller.close();
      },
    });
    const fetch = vi.fn<FetchFn>(async (_input, init) => {
      init?.signal?.addEventListener("abort", () => body.cancel());
      return new Response(body);
    });
    const res = await fetchWithRetry("https://u.test/x", {}, { fetch, timeoutMs: 10 });
    expect(await res.text()).toBe("late");
  });

  it("never puts the API key into error messages", async () => {
    const key = "sk-secret-1234567890";
    const echo = `Incorrect API key provided: ${key}; Authorization: Bearer ${key}`;
    const fetch = scriptedFetch([new Response(echo, { status: 401 })]);
    const error = await rejectionOf(
      fetchWithRetry(
        "https://u.test/x",
        { headers: { authorization: `Bearer ${key}` } },
        { fetch, secrets: [key] },
      ),
    );
    expect((error as CacheError).upstreamStatus).toBe(401);
    expect((error as CacheError).message).not.toContain(key);
    expect(JSON.stringify((error as CacheError).toJSON())).not.toContain("secret-1234");
  });
});

describe("withRetries", () => {
  const failing = (retryable: boolean) => async () => ({
    ok: false as const,
    error: new CacheError("upstream_error", "nope", { retryable }),
  });

  it("uses full jitter bounded by min(maxDelayMs, baseDelayMs * 2^n)", async () => {
    const sleep = noSleep();
    const error = await rejectionOf(
      withRetries(failing(true), {
        retries: 4,
        baseDelayMs: 100,
        maxDelayMs: 300,
        random: () => 0.999,
        sleep,
      }),
    );
    expect(error).toBeInstanceOf(CacheError);
    const delays = sleep.mock.calls.map((c) => Math.round(c[0]));
    expect(delays).toEqual([100, 200, 300, 300]);
  });

  it("stops waiting when the signal aborts during the backoff", async () => {
    const controller = new AbortController();
    const attempt = vi.fn(failing(true));
    const pending = withRetries(attempt, {
      retries: 5,
      baseDelayMs: 10_000,
      random: () => 1,
      signal: controller.signal,
    });
    await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error("stop"));
    expect(await rejectionOf(pending)).toEqual(new Error("stop"));
    expect(attempt).toHaveBeenCalledTimes(1);
  });
});

describe("parseRetryAfter and redact", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it("scrubs given secrets, bearer tokens and sk- keys", () => {
    expect(redact("key abc123 here", ["abc123"])).toBe("key [redacted] here");
    expect(redact("Authorization: Bearer tok.en-1")).toBe("Authorization: Bearer [redacted]");
    expect(redact("bad key sk-abcdef123456")).toBe("bad key sk-[redacted]");
  });
});
