/**
 * @module Opens a backup for restore or migration: reads its manifest, upgrades an older version, and
 * verifies every part (size, SHA-256, gzip, each record's shape and each entry body's own checksum)
 * before anything is applied. A problem is a {@link BackupFormatError} naming it.
 */
import { decompress, sha256Hex } from "../cache/codec";
import { base64ToBytes } from "./base64";
import { type BackupRecord, MANIFEST_NAME, type ReadableManifest } from "./format";
import { BackupFormatError, upgradeManifest, upgradeRecord } from "./migrate";
import { chunkBodyMatches } from "./snapshot";

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The backup does not exist (404, unlike a damaged one). */
export class BackupNotFoundError extends Error {
  override readonly name = "BackupNotFoundError";
}

/** `backups/<id>` from a key given with or without `/manifest.json`. */
export function backupKey(key: string): string {
  return key.endsWith(`/${MANIFEST_NAME}`)
    ? key.slice(0, -(MANIFEST_NAME.length + 1))
    : key.replace(/\/+$/, "");
}

/** Reads and upgrades the manifest of `key`. */
export async function readManifest(bucket: R2Bucket, key: string): Promise<ReadableManifest> {
  const object = await bucket.get(`${key}/${MANIFEST_NAME}`);
  if (!object) throw new BackupNotFoundError(`no backup "${key}" (no ${key}/${MANIFEST_NAME} in R2)`);
  let raw: unknown;
  try {
    raw = JSON.parse(await object.text());
  } catch {
    throw new BackupFormatError("manifest is not valid JSON (corrupt or truncated)");
  }
  return { ...(await upgradeManifest(raw)), key };
}

/** The records of one part, checked against the manifest; throws naming the part and the problem. */
async function readPart(
  bucket: R2Bucket,
  part: ReadableManifest["parts"][number],
  index: number,
  version: number,
): Promise<BackupRecord[]> {
  const name = `part ${index + 1} (${part.key})`;
  const object = await bucket.get(part.key);
  if (!object) throw new BackupFormatError(`${name} is missing`);
  const stored = new Uint8Array(await object.arrayBuffer());
  if (part.bytes !== null && stored.byteLength !== part.bytes) {
    throw new BackupFormatError(
      `${name} is truncated: ${stored.byteLength} bytes, the manifest says ${part.bytes}`,
    );
  }
  if (part.sha256 !== null && (await sha256Hex(stored)) !== part.sha256) {
    throw new BackupFormatError(`${name} is corrupt: it does not match its SHA-256 checksum`);
  }
  let text: string;
  try {
    text = decoder.decode(await decompress(stored, "gzip"));
  } catch {
    throw new BackupFormatError(`${name} is corrupt or truncated: not a complete gzip stream of UTF-8 text`);
  }
  const lines = text.split("\n").filter((line) => line.length > 0);
  const records = lines.map((line, i) => {
    try {
      return upgradeRecord(JSON.parse(line), version);
    } catch (error) {
      const why = error instanceof BackupFormatError ? error.message : "not valid JSON";
      throw new BackupFormatError(`${name}, line ${i + 1}: ${why}`);
    }
  });
  if (part.records !== null && records.length !== part.records) {
    throw new BackupFormatError(`${name} holds ${records.length} records, the manifest says ${part.records}`);
  }
  for (const [i, record] of records.entries()) {
    if (record.type === "chunk") {
      const body = decodeBase64(record.body);
      if (!body || !(await chunkBodyMatches(record.namespace, record.id, body, record.codec))) {
        throw new BackupFormatError(
          `${name}, line ${i + 1}: the body of chunk ${record.id} does not match its id (a hash of its text)`,
        );
      }
    }
    if (record.type !== "entry") continue;
    if (!(await entryBodyMatches(record.body, record.codec, record.checksum))) {
      throw new BackupFormatError(
        `${name}, line ${i + 1}: the body of entry ${record.key} fails its checksum`,
      );
    }
  }
  return records;
}

function decodeBase64(body: string): Uint8Array | undefined {
  try {
    return base64ToBytes(body);
  } catch {
    return undefined;
  }
}

async function entryBodyMatches(body: string, codec: "none" | "gzip" | "deflate", checksum: string) {
  try {
    return (await sha256Hex(await decompress(base64ToBytes(body), codec))) === checksum;
  } catch {
    return false;
  }
}

/**
 * Verifies every part of a backup (one part in memory at a time) and that the counts add up to the
 * manifest's. Changes nothing.
 */
export async function verifyBackup(bucket: R2Bucket, manifest: ReadableManifest): Promise<void> {
  const seen = { entries: 0, aliases: 0, scopes: 0, chunks: 0, contexts: 0 };
  for (const [index, part] of manifest.parts.entries()) {
    for (const record of await readPart(bucket, part, index, manifest.storedVersion)) {
      if (record.type === "entry") seen.entries++;
      else if (record.type === "alias") seen.aliases++;
      else if (record.type === "scope") seen.scopes++;
      else if (record.type === "chunk") seen.chunks++;
      else if (record.type === "context") seen.contexts++;
    }
  }
  const { entries, aliases } = manifest.counts;
  if (seen.entries !== entries || seen.aliases !== aliases) {
    throw new BackupFormatError(
      `backup is incomplete: its parts hold ${seen.entries} entries and ${seen.aliases} aliases, the manifest says ${entries} and ${aliases}`,
    );
  }
  for (const kind of ["scopes", "chunks", "contexts"] as const) {
    if (seen[kind] !== manifest.counts[kind]) {
      throw new BackupFormatError(
        `backup is incomplete: its parts hold ${seen[kind]} ${kind}, the manifest says ${manifest.counts[kind]}`,
      );
    }
  }
}

/** The records of a verified backup, a part at a time (each part checked again as it is read). */
export async function* backupRecords(
  bucket: R2Bucket,
  manifest: ReadableManifest,
): AsyncGenerator<BackupRecord[]> {
  for (const [index, part] of manifest.parts.entries()) {
    yield await readPart(bucket, part, index, manifest.storedVersion);
  }
  if (manifest.trailing?.length) yield manifest.trailing;
}
