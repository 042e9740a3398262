import { afterEach, describe, expect, it } from "vitest";
import { type FetchLike, R1CacheClient, R1CacheError } from "../../client/src/index";
import { workerClient, workerFetch } from "../helpers/client";
import { FAKE_UPSTREAM_URL, type FakeUpstream, fake, installFakeUpstream } from "../helpers/fake-upstream";
import { rejectionOf, toArray } from "../helpers/streams";

/** The worker pointed at the fake OpenAI-compatible upstream, with fast retries and a short timeout. */
const UPSTREAM = {
  R1_UPSTREAM: "openai",
  OPENAI_BASE_URL: FAKE_UPSTREAM_URL,
  OPENAI_API_KEY: "sk-upstream-secret",
  UPSTREAM_TIMEOUT_MS: "300",
  UPSTREAM_RETRIES: "0",
};

let upstream: FakeUpstream | undefined;
afterEach(() => upstream?.restore());

/** A client whose fetch passes the worker's response through `rewrite`. */
function clientWith(rewrite: (response: Response) => Response, fetch: FetchLike = workerFetch()) {
  return new R1CacheClient({
    baseUrl: "https://cache.test",
    apiKey: "dev-key",
    fetch: async (input, init) => rewrite(await fetch(input, init)),
  });
}

describe("client: streams that fail", () => {
  it("an error event from the worker mid-stream throws its typed error after the deltas before it", async () => {
    upstream = installFakeUpstream({ behaviours: [fake.truncate()], fallback: fake.ok() });
    const client = workerClient({ env: UPSTREAM });
    const stream = await client.chat({ prompt: "truncated upstream (client)", stream: true });
    const seen: string[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const delta of stream) seen.push(delta.type);
      })(),
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(R1CacheError);
    expect(error).toMatchObject({ code: "upstream_truncated", status: 502, retryable: true });
    expect(stream.end).toBeUndefined();
  });

  it("an upstream failure before the first byte is a typed HTTP error, not a stream", async () => {
    upstream = installFakeUpstream({ fallback: fake.status(500) });
    const client = workerClient({ env: UPSTREAM });
    const error = await rejectionOf(client.chat({ prompt: "upstream 500 (client)", stream: true }));
    expect(error).toMatchObject({ status: 502, code: "upstream_error", upstreamStatus: 500 });
  });

  it("a connection cut before [DONE] throws stream_cut, never a short answer", async () => {
    const client = clientWith((response) => {
      // Pass the first two chunks of the worker's stream, then end it as a dropped connection would.
      const reader = response.body?.getReader();
      let chunks = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = chunks++ < 2 ? await reader?.read() : undefined;
          if (!next || next.done) {
            await reader?.cancel();
            return controller.close();
          }
          controller.enqueue(next.value);
        },
      });
      return new Response(body, { headers: response.headers });
    });
    const stream = await client.chat({ prompt: "a stream cut short (client)", stream: true });
    const error = await rejectionOf(toArray(stream));
    expect(error).toMatchObject({ code: "stream_cut", status: 0, retryable: true });
  });

  it("a body that is not the worker's JSON is a typed error with the status's code", async () => {
    const client = clientWith(() => new Response("<html>Bad gateway</html>", { status: 502 }));
    const error = await rejectionOf(client.getCacheStats());
    expect(error).toMatchObject({
      status: 502,
      code: "upstream_error",
      message: "HTTP 502: <html>Bad gateway</html>",
    });
  });
});

describe("client: deadlines and aborts", () => {
  /** A fetch that never answers, but honours its signal like the platform's fetch. */
  const silent: FetchLike = (_input, init) =>
    new Promise((_resolve, reject) => {
      init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
    });

  it("no response within timeoutMs is a typed timeout", async () => {
    const client = new R1CacheClient({ baseUrl: "https://cache.test", fetch: silent, timeoutMs: 20 });
    const error = await rejectionOf(client.chat("never answered"));
    expect(error).toMatchObject({ code: "timeout", status: 0, retryable: true });
  });

  it("the caller's abort rejects with the caller's reason", async () => {
    const client = new R1CacheClient({ baseUrl: "https://cache.test", fetch: silent });
    const controller = new AbortController();
    const pending = client.chat("aborted", { signal: controller.signal });
    const reason = new Error("user navigated away");
    controller.abort(reason);
    expect(await rejectionOf(pending)).toBe(reason);
  });

  it("a fetch that throws is a typed network error keeping the cause", async () => {
    const cause = new TypeError("fetch failed");
    const client = new R1CacheClient({ baseUrl: "https://cache.test", fetch: () => Promise.reject(cause) });
    const error = await rejectionOf(client.getCacheStats());
    expect(error).toMatchObject({ code: "network", status: 0, cause });
  });
});
