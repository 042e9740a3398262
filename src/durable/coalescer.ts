/**
 * @module `Coalescer`: one upstream call per exact key across every isolate. A miss joins the object that
 * owns its key (`idFromName(coalescerName(key))`); the first request for a key starts the call here, and every request, the first
 * included, streams the call's events from here (src/cache/coalescing.ts). The object also writes the
 * answer to the shared tiers (L2-L4), so a leader that disconnects cancels neither its followers' answer
 * nor the store. A finished answer is replayed for a few seconds to lookups that missed it in the tiers while
 * it was being written, so a burst of one prompt costs one upstream call. Deleting an entry ends its
 * replay (`forget`).
 */
import { DurableObject } from "cloudflare:workers";
import { type FlightJob, type FlightLine, toWireError } from "../cache/coalescing";
import type { CacheEntry } from "../cache/entry";
import { Flight, fly } from "../cache/flight";
import { isolateStats } from "../cache/stats";
import { createCacheTiers, storeEntry } from "../cache/tiers";
import type { Env } from "../env";
import { createUpstream } from "../upstream";

/** How long a finished answer is replayed to requests that looked it up and missed. */
export const REPLAY_MS = 10_000;

interface Slot {
  flight: Flight<CacheEntry>;
  /** Epoch ms the answer was stored; unset while running. */
  endedAt?: number;
}

const encoder = new TextEncoder();
const encodeLines = (lines: FlightLine[]) =>
  encoder.encode(lines.map((line) => `${JSON.stringify(line)}\n`).join(""));

export class Coalescer extends DurableObject<Env> {
  /** Flights by key: running, or finished and still replayed. */
  readonly #slots = new Map<string, Slot>();

  /** Joins the running flight for `job.key` (or the one just finished), or starts one; streams it. */
  join(job: FlightJob): ReadableStream<Uint8Array> {
    this.#sweep(Date.now());
    const slot = this.#slots.get(job.key);
    const joinable =
      slot &&
      (slot.flight.status === "running" ||
        (job.controls.lookup && slot.endedAt !== undefined && Date.now() - slot.endedAt < REPLAY_MS));
    const flight = joinable ? slot.flight : this.#start(job);
    return this.#stream(flight, !joinable);
  }

  /** How many flights this object holds (running, or finished and still replayed). */
  size(): number {
    return this.#slots.size;
  }

  /**
   * Drops finished flights past their replay window. Each holds a whole answer's events: kept until the
   * same key came back, an object that saw many keys once would grow until its isolate hit its memory
   * limit (`npm run load` with 100,000 distinct prompts found it).
   */
  #sweep(now: number): void {
    for (const [key, slot] of this.#slots) {
      if (slot.endedAt !== undefined && now - slot.endedAt >= REPLAY_MS) this.#slots.delete(key);
    }
  }

  /** Stops replaying the finished answer for `key` (its entry was deleted). A running call goes on. */
  forget(key: string): void {
    const slot = this.#slots.get(key);
    if (slot?.endedAt !== undefined) this.#slots.delete(key);
  }

  #start(job: FlightJob): Flight<CacheEntry> {
    const flight = new Flight<CacheEntry>();
    const slot: Slot = { flight };
    this.#slots.set(job.key, slot);
    const forget = () => {
      if (this.#slots.get(job.key) === slot) this.#slots.delete(job.key);
    };
    flight.done.then(() => {
      slot.endedAt = Date.now();
      // Nothing stored means nothing to replay: a no-store leader's answer is its own.
      if (!job.controls.store) forget();
    }, forget);
    try {
      const upstream = createUpstream({ ...this.env, ...job.upstream });
      const chain = createCacheTiers(this.env, job.config, this.ctx, isolateStats, "shared");
      this.ctx.waitUntil(
        fly(flight, upstream, job, {
          config: job.config,
          // Write-behind answers first and stores after (replays cover the gap); write-through waits.
          store: async (entry) => {
            const stored = storeEntry(chain, entry, job.config);
            if (job.config.writePolicy === "write-through") await stored;
            else this.ctx.waitUntil(stored);
          },
        }),
      );
    } catch (error) {
      flight.fail(error);
    }
    return flight;
  }

  /**
   * The flight as newline-delimited JSON, every event buffered since the last read in one chunk. A reader
   * that goes away stops only its own copy.
   */
  #stream(flight: Flight<CacheEntry>, leader: boolean): ReadableStream<Uint8Array> {
    let joined = false;
    let sent = 0;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!joined) {
          joined = true;
          controller.enqueue(encodeLines([{ t: "joined", leader }]));
          return;
        }
        try {
          const events = await flight.batch(sent);
          if (events.length > 0) {
            sent += events.length;
            controller.enqueue(encodeLines(events.map((event) => ({ t: "event", event }))));
            return;
          }
          controller.enqueue(encodeLines([{ t: "entry", entry: await flight.done }]));
        } catch (error) {
          controller.enqueue(encodeLines([{ t: "error", error: toWireError(error) }]));
        }
        controller.close();
      },
    });
  }
}
