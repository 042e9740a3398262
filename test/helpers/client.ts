/** @module The typed client (client/) wired to the real worker's fetch handler inside workerd. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { type FetchLike, R1CacheClient, type R1CacheClientOptions } from "../../client/src/index";
import type { Env } from "../../src/env";
import worker from "../../src/index";

/**
 * A fetch that calls the worker like `call()` does. Each request first waits for the background work
 * (`waitUntil`: back-fill, write-behind) of the earlier ones, as `call()`'s `settle` does, so a test
 * sees what a client a moment later would; streams are left to the client to read.
 */
export function workerFetch(overrides: Partial<Env> = {}): FetchLike & { settle(): Promise<void> } {
  const pending: ExecutionContext[] = [];
  const settle = async () => {
    for (const ctx of pending.splice(0)) await waitOnExecutionContext(ctx);
  };
  const fetch: FetchLike = async (input, init) => {
    await settle();
    const ctx = createExecutionContext();
    pending.push(ctx);
    return worker.fetch(new Request(input, init), { ...(env as unknown as Env), ...overrides }, ctx);
  };
  return Object.assign(fetch, { settle });
}

/** A client of the real worker with the local-dev credentials. */
export function workerClient(options: Partial<R1CacheClientOptions> & { env?: Partial<Env> } = {}) {
  const { env: overrides, ...rest } = options;
  return new R1CacheClient({
    baseUrl: "https://cache.test",
    apiKey: "dev-key",
    adminToken: "dev-admin",
    fetch: workerFetch(overrides),
    ...rest,
  });
}
