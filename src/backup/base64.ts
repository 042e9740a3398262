/** @module Base64 of bytes and of float32 vectors, for the JSON records of a backup. */

/** Bytes per `String.fromCharCode` call: well under the engine's argument limit. */
const CHUNK = 0x8000;

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** Throws (a DOMException) on text that is not base64. */
export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Little-endian float32 components (the byte order of every platform Workers run on). */
export function vectorToBase64(vector: Float32Array): string {
  return bytesToBase64(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
}

export function base64ToVector(text: string): Float32Array {
  const bytes = base64ToBytes(text);
  if (bytes.byteLength % 4 !== 0) throw new Error("vector bytes are not a whole number of float32s");
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}
