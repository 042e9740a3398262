/** @module Streamed answers: an SSE reader and `ChatStream`, an async iterable of reasoning and content. */
import { errorFromPayload, R1CacheError } from "./errors.js";
import type { Deadline } from "./transport.js";
import type { CacheInfo, ChatDelta } from "./types.js";

interface SseEvent {
  event: string;
  data: string;
}

/**
 * The events of an SSE body (https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream):
 * data lines joined by "\n", any line ending, comments skipped. `onChunk` runs on every chunk received.
 */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  onChunk: () => void,
): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "message";
  let data: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      onChunk();
      buffer += decoder.decode(value, { stream: true });
      // A trailing "\r" may be the first half of "\r\n": keep it for the next chunk.
      const lines = buffer.split(/\r\n|\r(?!$)|\n/);
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "") {
          if (data.length > 0) yield { event, data: data.join("\n") };
          event = "message";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") data.push(value);
        else if (field === "event") event = value;
      }
    }
  } finally {
    // Stopping early (a `break`, an error) must not leave the connection open.
    await reader.cancel().catch(() => {});
  }
}

/** Turns one JSON payload of a route's stream into deltas, and the stream's end fields when it has them. */
export type PayloadDecoder<End> = (payload: unknown) => { deltas: ChatDelta[]; end?: Partial<End> };

/**
 * A streamed answer: iterate it once for its deltas (reasoning first, then content). It ends at
 * `data: [DONE]`; an `error` event or a stream cut before `[DONE]` throws {@link R1CacheError}, so a
 * partial answer is never mistaken for a whole one. `cache` is known before the first delta.
 */
export class ChatStream<End> implements AsyncIterable<ChatDelta> {
  /** From the response's `x-r1cache-*` headers. */
  readonly cache: CacheInfo;
  #end: Partial<End> | undefined;
  #complete = false;
  #started = false;
  readonly #source: AsyncGenerator<ChatDelta>;
  readonly #response: Response;
  readonly #deadline: Deadline;

  constructor(response: Response, deadline: Deadline, decode: PayloadDecoder<End>, cache: CacheInfo) {
    this.cache = cache;
    this.#response = response;
    this.#deadline = deadline;
    this.#source = this.#run(decode);
  }

  /** The end summary (finish reason, and for `chat` where the answer came from); set after `[DONE]`. */
  get end(): End | undefined {
    return this.#complete ? (this.#end as End) : undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<ChatDelta> {
    if (this.#started) throw new Error("a ChatStream can be iterated only once");
    this.#started = true;
    return this.#source;
  }

  /** Reads the rest of the stream and returns the whole reasoning and content. */
  async collect(): Promise<{ reasoning: string; content: string; end: End }> {
    let reasoning = "";
    let content = "";
    for await (const delta of this) {
      if (delta.type === "reasoning") reasoning += delta.text;
      else content += delta.text;
    }
    return { reasoning, content, end: this.#end as End };
  }

  /** Stops reading and closes the connection. */
  async cancel(): Promise<void> {
    if (this.#started) {
      await this.#source.return(undefined);
      return;
    }
    // A generator that never started runs no `finally`: release what it would have.
    this.#started = true;
    this.#deadline.dispose();
    await this.#response.body?.cancel().catch(() => {});
  }

  async *#run(decode: PayloadDecoder<End>): AsyncGenerator<ChatDelta> {
    const response = this.#response;
    const deadline = this.#deadline;
    try {
      if (!response.body) throw cut("the response has no body");
      for await (const { event, data } of readSse(response.body, deadline.touch)) {
        if (data === "[DONE]") {
          this.#complete = true;
          return;
        }
        const payload = parse(data);
        const error = errorFromPayload(payload);
        if (error) throw error;
        if (event === "error") throw new R1CacheError(data, { status: 0, code: "upstream_error" });
        const { deltas, end } = decode(payload);
        if (end) this.#end = { ...this.#end, ...end };
        yield* deltas;
      }
      throw cut("the stream ended before data: [DONE]; the answer is incomplete");
    } catch (error) {
      throw deadline.failure(error);
    } finally {
      deadline.dispose();
    }
  }
}

const cut = (message: string) => new R1CacheError(message, { status: 0, code: "stream_cut" });

function parse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch (error) {
    throw new R1CacheError(`stream event is not JSON: ${data.slice(0, 200)}`, {
      status: 0,
      code: "bad_response",
      cause: error,
    });
  }
}
