/** @module Entry (de)serialisation: JSON, optional gzip/deflate, and a SHA-256 checksum of the plain bytes. */
import type { Codec, StoredEntry } from "../tiers/types";
import type { CacheEntry } from "./entry";

export type CompressionMode = Codec | "auto";

export interface EncodeOptions {
  /** @default "auto" */
  mode?: CompressionMode;
  /** In `auto` mode, bodies smaller than this are stored plain. @default 1024 */
  thresholdBytes?: number;
  /** In `auto` mode, keep the compressed body only if stored/plain is below this. @default 0.9 */
  maxRatio?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Thrown when a stored body does not match its checksum or cannot be decoded. */
export class CorruptEntryError extends Error {
  override readonly name = "CorruptEntryError";
}

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function transform(
  bytes: Uint8Array,
  stream: CompressionStream | DecompressionStream,
): Promise<Uint8Array> {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

export function compress(bytes: Uint8Array, codec: Codec): Promise<Uint8Array> {
  return codec === "none" ? Promise.resolve(bytes) : transform(bytes, new CompressionStream(codec));
}

export function decompress(bytes: Uint8Array, codec: Codec): Promise<Uint8Array> {
  return codec === "none" ? Promise.resolve(bytes) : transform(bytes, new DecompressionStream(codec));
}

/** Serialises an entry for the tiers, compressing it as `mode` says. */
export async function encodeEntry(entry: CacheEntry, options: EncodeOptions = {}): Promise<StoredEntry> {
  const { mode = "auto", thresholdBytes = 1024, maxRatio = 0.9 } = options;
  const plain = encoder.encode(JSON.stringify(entry));
  let codec: Codec = mode === "auto" ? (plain.byteLength >= thresholdBytes ? "gzip" : "none") : mode;
  let body = await compress(plain, codec);
  // Auto mode measures the ratio it got: text that does not shrink is not worth inflating on every read.
  if (mode === "auto" && codec !== "none" && body.byteLength / plain.byteLength >= maxRatio) {
    codec = "none";
    body = plain;
  }
  return {
    body,
    meta: {
      codec,
      checksum: await sha256Hex(plain),
      size: plain.byteLength,
      storedSize: body.byteLength,
      createdAt: entry.createdAt,
      expiresAt: entry.expiresAt,
      namespace: entry.namespace,
    },
  };
}

/**
 * The smallest encoding of `plain` that `mode` allows, for the optimize job: `auto` weighs gzip against
 * deflate (the same deflate stream in zlib framing, 12 bytes less) and plain, keeping compression only
 * under `maxRatio` as {@link encodeEntry} does; a fixed mode gives its own codec. Workers'
 * CompressionStream has one level (zlib's default) and no brotli, so the codec is the only choice; a
 * pure-JS deflater at level 9 was tried and came out larger than it on R1-like text, at several times
 * the CPU.
 */
export async function smallestEncoding(
  plain: Uint8Array,
  options: EncodeOptions = {},
): Promise<{ codec: Codec; body: Uint8Array }> {
  const { mode = "auto", thresholdBytes = 1024, maxRatio = 0.9 } = options;
  if (mode === "none" || (mode === "auto" && plain.byteLength < thresholdBytes)) {
    return { codec: "none", body: plain };
  }
  const codecs: Array<"gzip" | "deflate"> = mode === "auto" ? ["deflate", "gzip"] : [mode];
  let best: { codec: Codec; body: Uint8Array } | undefined;
  for (const codec of codecs) {
    const body = await compress(plain, codec);
    if (!best || body.byteLength < best.body.byteLength) best = { codec, body };
  }
  if (!best || (mode === "auto" && best.body.byteLength / plain.byteLength >= maxRatio)) {
    return { codec: "none", body: plain };
  }
  return best;
}

/** Decodes a stored entry; throws {@link CorruptEntryError} if it fails its checksum. */
export async function decodeEntry(stored: StoredEntry): Promise<CacheEntry> {
  let plain: Uint8Array;
  try {
    plain = await decompress(stored.body, stored.meta.codec);
  } catch (cause) {
    throw new CorruptEntryError(`cannot ${stored.meta.codec}-decode body`, { cause });
  }
  if ((await sha256Hex(plain)) !== stored.meta.checksum) {
    throw new CorruptEntryError("body does not match its checksum");
  }
  return JSON.parse(decoder.decode(plain)) as CacheEntry;
}
