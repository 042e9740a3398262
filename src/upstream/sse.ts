/** @module Server-sent events: parses a byte stream into the `data` of each event, with an idle timeout. */
import { CacheError } from "../errors";

/** The sentinel OpenAI-compatible servers (and Workers AI) send as the last event. */
export const SSE_DONE = "[DONE]";

export interface SseOptions {
  /** Fails with `upstream_timeout` when no bytes arrive for this long. Unset: wait forever. */
  idleTimeoutMs?: number;
  /** Stops reading (and cancels the body) when aborted; the generator throws the abort reason. */
  signal?: AbortSignal;
  /** Provider name used in error messages. @default "upstream" */
  name?: string;
}

/**
 * Yields the `data` of every event in an SSE body (https://html.spec.whatwg.org/#event-stream-interpretation):
 * multi-line `data:` fields joined with `\n`, comments (`: keep-alive`) and other fields ignored, `\n`,
 * `\r\n` and `\r` line ends, events split anywhere across chunks. `[DONE]` is yielded like any other data
 * and ends the generator. An event left unterminated at the end of the body is dropped, as the spec says,
 * except a bare `[DONE]`, which some servers send without the closing blank line.
 */
export async function* parseSse(
  body: ReadableStream<Uint8Array>,
  options: SseOptions = {},
): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  try {
    for (;;) {
      const { done, value } = await readChunk(reader, options);
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let end = lineEnd(buffer, done);
      while (end) {
        const line = buffer.slice(0, end.index);
        buffer = buffer.slice(end.index + end.length);
        if (line === "") {
          if (data.length > 0) {
            const event = data.join("\n");
            data = [];
            yield event;
            if (event === SSE_DONE) return;
          }
        } else {
          const field = parseField(line);
          if (field?.name === "data") data.push(field.value);
        }
        end = lineEnd(buffer, done);
      }
      if (done) {
        if (buffer !== "") data.push(parseField(buffer)?.value ?? "");
        if (data.join("\n") === SSE_DONE) yield SSE_DONE;
        return;
      }
    }
  } finally {
    // Stops the upstream body when the consumer leaves early (break, error, [DONE]); a no-op at its end.
    reader.cancel().catch(() => {});
  }
}

/** Reads a whole (non-SSE) body as text, with the same idle timeout and abort handling. */
export async function readText(body: ReadableStream<Uint8Array>, options: SseOptions = {}): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { done, value } = await readChunk(reader, options);
      if (done) return text + decoder.decode();
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** Finds the first complete line end; a trailing `\r` may be the first half of `\r\n` unless the body ended. */
function lineEnd(buffer: string, ended: boolean): { index: number; length: number } | null {
  const index = buffer.search(/[\r\n]/);
  if (index < 0) return null;
  if (buffer[index] === "\n") return { index, length: 1 };
  if (index + 1 < buffer.length) return { index, length: buffer[index + 1] === "\n" ? 2 : 1 };
  return ended ? { index, length: 1 } : null;
}

/** `name: value` with one optional space after the colon; lines starting with `:` are comments. */
function parseField(line: string): { name: string; value: string } | null {
  if (line.startsWith(":")) return null;
  const colon = line.indexOf(":");
  if (colon < 0) return { name: line, value: "" };
  const value = line.slice(colon + 1);
  return { name: line.slice(0, colon), value: value.startsWith(" ") ? value.slice(1) : value };
}

/** One `reader.read()` raced against the idle timeout and the abort signal. */
async function readChunk(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  { idleTimeoutMs, signal, name = "upstream" }: SseOptions,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  signal?.throwIfAborted();
  if (idleTimeoutMs === undefined && !signal) return reader.read();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    if (idleTimeoutMs !== undefined) {
      timer = setTimeout(() => {
        reject(
          new CacheError("upstream_timeout", `${name} sent nothing for ${idleTimeoutMs} ms`, {
            retryable: true,
          }),
        );
      }, idleTimeoutMs);
    }
    onAbort = () => reject(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([reader.read(), stop]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}

/** The error for a stream that stopped before its end; such a stream is never cached. */
export function truncatedError(name: string, where: string, cause?: unknown): CacheError {
  const message = `${name} stream stopped at ${where} before finish_reason or [DONE]`;
  return new CacheError(
    "upstream_truncated",
    cause === undefined ? message : `${message}: ${String(cause)}`,
    {
      retryable: true,
      cause,
    },
  );
}

/** Turns a connection that breaks mid-body into `upstream_truncated`; our own errors and the caller's abort pass. */
export async function* guardBody<T>(source: AsyncIterable<T>, read: SseOptions): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (cause) {
    if (cause instanceof CacheError || read.signal?.aborted) throw cause;
    throw truncatedError(read.name ?? "upstream", "a broken connection", cause);
  }
}
