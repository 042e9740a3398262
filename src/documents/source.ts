/**
 * @module Reading a document: a request body streamed as UTF-8 text, checked as it arrives (size,
 * valid UTF-8, no binary control characters), so a bad document is refused with a 4xx naming the
 * problem and a good one never has to sit in memory whole.
 */
import { CacheError } from "../errors";

/** Largest document accepted, in UTF-8 bytes. @default 10 MiB */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

// C0 controls other than tab, LF, VT, FF, CR and ESC (ANSI colours in logs), and DEL: binary, not text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const BINARY = /[\u0000-\u0008\u000E-\u001A\u001C-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** 400 naming the document's field (`text`, or the knowledge base's `documents[3].text`). */
export function badDocument(field: string, message: string): CacheError {
  return new CacheError("bad_request", `${field}: ${message}`, { field });
}

/** Throws if `text` (a piece of a document starting at byte `offset`) holds binary control characters. */
export function checkText(text: string, field: string, offset = 0): void {
  const at = text.search(BINARY);
  if (at >= 0) {
    const code = text.charCodeAt(at).toString(16).toUpperCase().padStart(4, "0");
    throw badDocument(
      field,
      `looks binary, not text: control character U+${code} near byte ${offset + at}; send UTF-8 text`,
    );
  }
  if (LONE_SURROGATE.test(text)) throw badDocument(field, "is not valid Unicode (an unpaired surrogate)");
}

/** Counts the bytes of a document as it is read and refuses it past `maxBytes`. */
function tooLarge(field: string, maxBytes: number): CacheError {
  return new CacheError("payload_too_large", `${field}: the document is larger than ${maxBytes} bytes`, {
    field,
  });
}

/** Checks a whole document given as a string (JSON bodies). */
export function checkDocument(text: string, field: string, maxBytes = MAX_DOCUMENT_BYTES): number {
  const bytes = new TextEncoder().encode(text).byteLength;
  if (bytes > maxBytes) throw tooLarge(field, maxBytes);
  if (!text.trim()) throw badDocument(field, "is empty");
  checkText(text, field);
  return bytes;
}

/** Progress of a streamed read. */
export interface ReadProgress {
  bytes: number;
}

/**
 * The text of a streamed body, piece by piece, decoded as strict UTF-8. Throws a 400 at the first
 * invalid byte sequence or binary character, a 413 past `maxBytes`; `progress.bytes` counts what was read.
 */
export async function* readText(
  body: ReadableStream<Uint8Array>,
  progress: ReadProgress,
  field = "text",
  maxBytes = MAX_DOCUMENT_BYTES,
): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      const offset = progress.bytes;
      if (value) {
        progress.bytes += value.byteLength;
        if (progress.bytes > maxBytes) throw tooLarge(field, maxBytes);
      }
      let text: string;
      try {
        text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      } catch {
        throw badDocument(
          field,
          `is not valid UTF-8 (an invalid byte sequence in bytes ${offset}-${progress.bytes})`,
        );
      }
      if (text) {
        checkText(text, field, offset);
        yield text;
      }
      if (done) return;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** The whole body as bytes, refused with a 413 past `maxBytes` (JSON documents are parsed whole). */
export async function readBytes(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  field = "body",
): Promise<Uint8Array> {
  if (!body) return new Uint8Array();
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const part of body) {
    total += part.byteLength;
    if (total > maxBytes) throw tooLarge(field, maxBytes);
    parts.push(part);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** A JSON body decoded as strict UTF-8 and parsed: 400 naming `body` when it is neither. */
export function parseJsonBody(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw badDocument("body", "is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw badDocument("body", "is not valid JSON");
  }
}
