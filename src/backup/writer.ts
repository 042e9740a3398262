/**
 * @module Writes a backup in parts: records are gathered up to {@link DEFAULT_PART_BYTES} of NDJSON,
 * gzip-compressed, checksummed and put as one R2 object each, so memory holds one part at a time
 * whatever the cache's size. The manifest goes last; a failed backup deletes what it wrote.
 */
import { compress, sha256Hex } from "../cache/codec";
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  type BackupRecord,
  type Counts,
  canonicalJson,
  MANIFEST_NAME,
  type Manifest,
  type PartRef,
  zeroCounts,
} from "./format";

/** NDJSON bytes per part before compression. @default 8 MiB */
export const DEFAULT_PART_BYTES = 8 * 1024 * 1024;

const encoder = new TextEncoder();

export interface BackupWriterOptions {
  /** The backup's key (`backups/<id>`); objects go under `<key>/`. */
  key: string;
  createdAt: number;
  source: Manifest["source"];
  /** @default DEFAULT_PART_BYTES */
  partBytes?: number;
}

/** Collects records into parts; `finish` writes the manifest and returns it. */
export function createBackupWriter(bucket: R2Bucket, options: BackupWriterOptions) {
  const limit = Math.max(1, options.partBytes ?? DEFAULT_PART_BYTES);
  const parts: PartRef[] = [];
  const counts: Counts = zeroCounts();
  let lines: Uint8Array[] = [];
  let pending = 0;
  let plainBytes = 0;

  async function flush(): Promise<void> {
    if (lines.length === 0) return;
    const plain = new Uint8Array(pending);
    let at = 0;
    for (const line of lines) {
      plain.set(line, at);
      at += line.byteLength;
    }
    const stored = await compress(plain, "gzip");
    const key = `${options.key}/part-${String(parts.length + 1).padStart(5, "0")}.ndjson.gz`;
    const sha256 = await sha256Hex(stored);
    await bucket.put(key, stored, {
      // No contentEncoding: an HTTP layer must not gunzip the bytes the checksum covers.
      httpMetadata: { contentType: "application/gzip" },
      sha256,
    });
    parts.push({ key, records: lines.length, bytes: stored.byteLength, sha256 });
    plainBytes += plain.byteLength;
    lines = [];
    pending = 0;
  }

  return {
    counts,
    async add(record: BackupRecord): Promise<void> {
      const line = encoder.encode(`${JSON.stringify(record)}\n`);
      if (pending > 0 && pending + line.byteLength > limit) await flush();
      lines.push(line);
      pending += line.byteLength;
      if (record.type === "entry") {
        counts.entries++;
        if (record.vector) counts.vectors++;
      } else if (record.type === "alias") counts.aliases++;
      else if (record.type === "calibration") counts.calibrations++;
      else if (record.type === "scope") counts.scopes++;
      else if (record.type === "context") counts.contexts++;
      else if (record.type === "chunk") {
        counts.chunks++;
        if (record.vector) counts.chunkVectors++;
      }
    },
    async finish(completedAt = Date.now()): Promise<Manifest> {
      await flush();
      const body: Omit<Manifest, "checksum"> = {
        format: BACKUP_FORMAT,
        version: BACKUP_VERSION,
        key: options.key,
        createdAt: options.createdAt,
        completedAt,
        source: options.source,
        vectors: "stored",
        compression: "gzip",
        counts,
        bytes: parts.reduce((sum, p) => sum + p.bytes, 0),
        plainBytes,
        parts,
      };
      const manifest: Manifest = { ...body, checksum: await sha256Hex(canonicalJson(body)) };
      await bucket.put(`${options.key}/${MANIFEST_NAME}`, JSON.stringify(manifest, null, 2), {
        httpMetadata: { contentType: "application/json" },
        // The listing reads these instead of every manifest body.
        customMetadata: {
          version: String(BACKUP_VERSION),
          createdAt: String(options.createdAt),
          entries: String(counts.entries),
          aliases: String(counts.aliases),
          bytes: String(manifest.bytes),
        },
      });
      return manifest;
    },
    /** Deletes the parts written so far (the backup failed). */
    async abort(): Promise<void> {
      const keys = parts.map((p) => p.key);
      if (keys.length > 0) await bucket.delete(keys);
    },
  };
}

export type BackupWriter = ReturnType<typeof createBackupWriter>;
