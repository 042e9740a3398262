/**
 * @module One upstream call as a buffered event log that any number of readers follow, and the code that
 * runs it. Coalescing across requests happens in the `Coalescer` Durable Object (src/durable/coalescer.ts):
 * a flight is only ever read by code of the request (or the object) whose I/O feeds it.
 */
import type { CacheConfig } from "../config";
import { CacheError } from "../errors";
import type { ChatParams, Upstream, UpstreamEvent } from "../upstream/types";
import type { RequestControls } from "./controls";
import type { CacheEntry } from "./entry";
import { lastUserPrompt } from "./key";

/**
 * One upstream call that any number of requests can follow. Events are buffered, so a request that
 * joins late replays what it missed and then follows live; all of them see the same end or error.
 */
export class Flight<T> {
  private readonly events: UpstreamEvent[] = [];
  private readonly wakers = new Set<() => void>();
  private state:
    | { status: "running" }
    | { status: "done"; result: T }
    | { status: "failed"; error: unknown } = {
    status: "running",
  };
  /** Settles with the leader's result (e.g. the stored entry) or its error. */
  readonly done: Promise<T>;
  private settle!: { resolve(value: T): void; reject(error: unknown): void };

  constructor() {
    this.done = new Promise<T>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Followers observe failures through subscribe(); this keeps an unobserved rejection quiet.
    this.done.catch(() => {});
  }

  /** `running` until the leader finishes or fails. */
  get status(): "running" | "done" | "failed" {
    return this.state.status;
  }

  push(event: UpstreamEvent): void {
    this.events.push(event);
    this.wake();
  }

  finish(result: T): void {
    this.state = { status: "done", result };
    this.settle.resolve(result);
    this.wake();
  }

  fail(error: unknown): void {
    this.state = { status: "failed", error };
    this.settle.reject(error);
    this.wake();
  }

  /** Every event from the start, then live ones; throws the flight's error if it fails. */
  async *subscribe(): AsyncGenerator<UpstreamEvent> {
    let next = 0;
    for (;;) {
      for (const event of await this.batch(next)) {
        next++;
        yield event;
      }
      if (next === this.events.length && this.state.status === "done") return;
    }
  }

  /**
   * The events after the first `from`, as soon as there are any: at once when some are buffered, else
   * at the next push. Empty when the flight is done and nothing is left; throws its error if it failed.
   */
  async batch(from: number): Promise<UpstreamEvent[]> {
    for (;;) {
      if (from < this.events.length) return this.events.slice(from);
      if (this.state.status === "failed") throw this.state.error;
      if (this.state.status === "done") return [];
      await new Promise<void>((resolve) => this.wakers.add(resolve));
    }
  }

  private wake(): void {
    for (const waker of this.wakers) waker();
    this.wakers.clear();
  }
}

/** What a miss needs to be answered and stored: the request as the cache keyed it. */
export interface FlightRequest {
  namespace: string;
  key: string;
  params: ChatParams;
  controls: RequestControls;
  /** Who asks: a client (the default) or the prefetcher (src/prefetch/), whose calls are no misses. */
  origin?: "client" | "prefetch";
}

/**
 * Runs one upstream call into `flight`: every event is pushed as it arrives, the answer is stored with
 * `store` unless the request said `no-store`, and only then does the flight finish, so a reader that
 * sees the end can find the entry in the tiers. Never throws: failures fail the flight.
 */
export async function fly(
  flight: Flight<CacheEntry>,
  upstream: Upstream,
  request: FlightRequest,
  options: { config: CacheConfig; store(entry: CacheEntry): Promise<void> },
): Promise<void> {
  try {
    const entry = await streamInto(flight, upstream, request, options.config);
    if (request.controls.store) await options.store(entry);
    flight.finish(entry);
  } catch (error) {
    flight.fail(error);
  }
}

async function streamInto(
  flight: Flight<CacheEntry>,
  upstream: Upstream,
  request: FlightRequest,
  config: CacheConfig,
): Promise<CacheEntry> {
  let reasoning = "";
  let content = "";
  for await (const event of upstream.stream(request.params)) {
    flight.push(event);
    if (event.type === "delta") {
      reasoning += event.reasoning ?? "";
      content += event.content ?? "";
      continue;
    }
    const createdAt = Date.now();
    const ttl = request.controls.ttlSeconds ?? config.defaultTtlSeconds;
    return {
      v: 1,
      key: request.key,
      namespace: request.namespace,
      model: request.params.model,
      prompt: lastUserPrompt(request.params.messages),
      reasoning,
      content,
      reasoningFormat: upstream.reasoningFormat,
      finishReason: event.finishReason,
      usage: event.usage,
      upstream: upstream.name,
      createdAt,
      expiresAt: createdAt + ttl * 1000,
    };
  }
  // Upstreams throw on a cut stream; this guards one that just stops.
  throw new CacheError("upstream_truncated", "upstream stream ended before the answer was complete");
}
