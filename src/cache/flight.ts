/** @module Request coalescing: identical concurrent misses in an isolate share one upstream call. */
import type { UpstreamEvent } from "../upstream/types";

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
      while (next < this.events.length) yield this.events[next++] as UpstreamEvent;
      if (this.state.status === "failed") throw this.state.error;
      if (this.state.status === "done") return;
      await new Promise<void>((resolve) => this.wakers.add(resolve));
    }
  }

  private wake(): void {
    for (const waker of this.wakers) waker();
    this.wakers.clear();
  }
}

/** In-flight upstream calls of this isolate by exact key. */
export class FlightRegistry<T> {
  private readonly flights = new Map<string, Flight<T>>();

  /** Joins the flight for `key`, or starts one with `start` (which must settle it) if none is running. */
  join(key: string, start: (flight: Flight<T>) => void): { flight: Flight<T>; leader: boolean } {
    const running = this.flights.get(key);
    if (running) return { flight: running, leader: false };
    const flight = new Flight<T>();
    this.flights.set(key, flight);
    const forget = () => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    flight.done.then(forget, forget);
    start(flight);
    return { flight, leader: true };
  }
}
