/** @module Turning a stored entry back into the event stream an upstream would have produced. */
import type { CacheEntry } from "../cache/entry";
import type { UpstreamEvent } from "../upstream/types";

/** Replay chunk size: big enough to be cheap, small enough that clients render progressively. */
const REPLAY_CHUNK_CHARS = 512;

function* slices(text: string): Generator<string> {
  for (let i = 0; i < text.length; i += REPLAY_CHUNK_CHARS) yield text.slice(i, i + REPLAY_CHUNK_CHARS);
}

/** The events of a cached answer: reasoning, then content, then `done`, as the upstream sent them. */
export async function* replayEntry(entry: CacheEntry): AsyncGenerator<UpstreamEvent> {
  for (const reasoning of slices(entry.reasoning)) yield { type: "delta", reasoning };
  for (const content of slices(entry.content)) yield { type: "delta", content };
  yield { type: "done", finishReason: entry.finishReason, usage: entry.usage };
}

/**
 * Waits for the first event so that an upstream that fails before answering becomes an HTTP error
 * (502/504 JSON) rather than a 200 stream that breaks at once.
 */
export async function primed<T>(events: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const iterator = events[Symbol.asyncIterator]();
  const first = await iterator.next();
  return {
    async *[Symbol.asyncIterator]() {
      if (first.done) return;
      yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    },
  };
}
