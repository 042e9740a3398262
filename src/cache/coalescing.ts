/**
 * @module The request side of upstream coalescing: joining the `Coalescer` Durable Object of a key and
 * following its flight through a stream of newline-delimited JSON that this request reads itself.
 *
 * Why an object and not a flight shared in the isolate: workerd ties I/O to the request that started it,
 * so a request that waits on a stream fed by another request's upstream call can be cancelled as hung
 * when the two part. Every request here reads only its own RPC stream; the upstream call belongs to the
 * object (https://developers.cloudflare.com/durable-objects/), one per key across every isolate.
 */
import type { CacheConfig } from "../config";
import { CacheError, type ErrorCode } from "../errors";
import type { UpstreamVariables } from "../upstream";
import type { UpstreamEvent } from "../upstream/types";
import type { CacheEntry } from "./entry";
import { Flight, type FlightRequest } from "./flight";

/** What the object needs to run a miss: the request, the config it was resolved with, the upstream settings. */
export interface FlightJob extends FlightRequest {
  config: CacheConfig;
  /**
   * The upstream variables the request sees. Deployed they equal the object's own (one script, one set of
   * variables and secrets); tests override them per request, and the object must call what they call.
   */
  upstream: UpstreamVariables;
}

/** An error as it crosses the wire: enough to rebuild the same `CacheError` (status, type, message). */
export interface WireError {
  code: ErrorCode;
  message: string;
  field?: string;
  upstreamStatus?: number;
  retryable: boolean;
}

/** One line of a flight's stream. `joined` comes first; `entry` or `error` ends it. */
export type FlightLine =
  | { t: "joined"; leader: boolean }
  | { t: "event"; event: UpstreamEvent }
  | { t: "entry"; entry: CacheEntry }
  | { t: "error"; error: WireError };

export function toWireError(error: unknown): WireError {
  if (error instanceof CacheError) {
    return {
      code: error.code,
      message: error.message,
      field: error.field,
      upstreamStatus: error.upstreamStatus,
      retryable: error.retryable,
    };
  }
  // Anything else is our bug, not the upstream's answer: say so without leaking its text.
  return { code: "upstream_error", message: "upstream call failed", retryable: true };
}

export function fromWireError(wire: WireError): CacheError {
  return new CacheError(wire.code, wire.message, {
    field: wire.field,
    upstreamStatus: wire.upstreamStatus,
    retryable: wire.retryable,
  });
}

/** The calls the request makes on the object (a stub of `Coalescer`, or a fake in tests). */
export interface CoalescerStub {
  join(job: FlightJob): Promise<ReadableStream<Uint8Array>>;
}

export interface JoinOptions {
  /** Give up on the object (and let the caller go direct) when it has not said `joined` by then. */
  joinTimeoutMs: number;
  /** Fail the flight when the object sends nothing for this long after joining. */
  idleTimeoutMs: number;
  /** Runs when the answer arrives, before readers see the end (the request's own L1 write). */
  onEntry(entry: CacheEntry): Promise<void>;
  /** Keeps the pump alive after the response is sent (the request's `waitUntil`). */
  waitUntil(promise: Promise<unknown>): void;
}

export interface JoinedFlight {
  /** Whether this request started the upstream call (false: it follows another request's). */
  leader: boolean;
  /** This request's copy of the flight, fed only by this request's stream. */
  flight: Flight<CacheEntry>;
}

/** Reads newline-delimited JSON lines from a byte stream. */
async function* lines(stream: ReadableStream<Uint8Array>, idleTimeoutMs: number): AsyncGenerator<FlightLine> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  try {
    for (;;) {
      const { done, value } = await withTimeout(reader.read(), idleTimeoutMs, "the coalescer went quiet");
      if (done) return;
      buffered += value;
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line) yield JSON.parse(line) as FlightLine;
        newline = buffered.indexOf("\n");
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CacheError("upstream_timeout", `${what} for ${ms} ms`, { retryable: true })),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Joins the object's flight for `job.key`. Resolves once the object has said whether this request leads;
 * rejects (and the caller should call the upstream itself) when the object throws, is overloaded, or
 * does not answer within `joinTimeoutMs`. After that, failures arrive through the returned flight.
 */
export async function joinCoalescer(
  stub: CoalescerStub,
  job: FlightJob,
  options: JoinOptions,
): Promise<JoinedFlight> {
  const stream = await withTimeout(stub.join(job), options.joinTimeoutMs, "no answer from the coalescer");
  const reading = lines(stream, options.idleTimeoutMs);
  const first = await withTimeout(reading.next(), options.joinTimeoutMs, "no answer from the coalescer");
  if (first.done || first.value.t !== "joined") {
    void reading.return(undefined);
    throw new Error("the coalescer did not start with joined");
  }
  const flight = new Flight<CacheEntry>();
  options.waitUntil(follow(reading, flight, options));
  return { leader: first.value.leader, flight };
}

/** Feeds the rest of the object's stream into `flight`; never throws. */
async function follow(
  reading: AsyncGenerator<FlightLine>,
  flight: Flight<CacheEntry>,
  options: JoinOptions,
): Promise<void> {
  try {
    for await (const line of reading) {
      if (line.t === "event") flight.push(line.event);
      else if (line.t === "error") return flight.fail(fromWireError(line.error));
      else if (line.t === "entry") {
        await options.onEntry(line.entry).catch(() => {});
        return flight.finish(line.entry);
      }
    }
    flight.fail(
      new CacheError("upstream_truncated", "the coalescer's stream ended before the answer was complete", {
        retryable: true,
      }),
    );
  } catch (error) {
    flight.fail(
      error instanceof CacheError
        ? error
        : new CacheError(
            "upstream_truncated",
            "the coalescer's stream broke before the answer was complete",
            {
              retryable: true,
              cause: error,
            },
          ),
    );
  }
}
