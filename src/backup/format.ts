/**
 * @module The backup format (current version {@link BACKUP_VERSION}): a manifest JSON object beside parts
 * of gzip-compressed NDJSON records, all under one R2 prefix `backups/<id>/`.
 *
 * - `manifest.json`: {@link Manifest}: format name, version, times, counts, and per part its object key,
 *   record count, byte length and SHA-256 (of the compressed bytes as stored); the manifest carries the
 *   SHA-256 of its own canonical JSON (without the `checksum` field). Written last: a backup without one
 *   is incomplete and never listed or restored.
 * - `part-00001.ndjson.gz`, ...: one {@link BackupRecord} per line. An entry record is a whole entry: its
 *   stored bytes (base64), the metadata that decodes and checks them, its D1 statistics and its vector.
 *   Version 2 adds `scope` records (an entry's semantic scope, which a rebuild re-embeds it from) and the
 *   context-expansion documents: `chunk` records (a distinct chunk of a namespace: its R2 bytes, D1 row
 *   and vector) followed by `context` records (a document's row and the ids of its chunks in order).
 *   Version 1 (no such records) is still read: see ./migrate.ts.
 */
import { z } from "zod";

/** The `format` field of every manifest. */
export const BACKUP_FORMAT = "r1cache-backup";
/** Version this worker writes; restore reads it and every version {@link upgradeManifest} knows. */
export const BACKUP_VERSION = 2;
/** R2 prefix of every backup; a backup's key is `backups/<id>`. */
export const BACKUP_PREFIX = "backups/";
export const MANIFEST_NAME = "manifest.json";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** A prompt embedding as the index held it: restored as is, so no embedder call is needed. */
export const vectorRecordSchema = z.object({
  fingerprint: z.string(),
  text: z.string(),
  createdAt: z.number(),
  /** Little-endian float32 components, base64. */
  values: z.string(),
});

export const entryRecordSchema = z.object({
  type: z.literal("entry"),
  key: hex64,
  namespace: z.string(),
  model: z.string(),
  prompt: z.string(),
  codec: z.enum(["none", "gzip", "deflate"]),
  /** SHA-256 of the plain (decoded) body, as the tiers check it. */
  checksum: hex64,
  size: z.number().int().min(0),
  storedSize: z.number().int().min(0),
  createdAt: z.number(),
  storedAt: z.number(),
  expiresAt: z.number().nullable(),
  lastHitAt: z.number().nullable(),
  hitCount: z.number().int().min(0),
  /** The stored (possibly compressed) bytes, base64. */
  body: z.string(),
  /** Null when the index had no vector for it (evicted, or semantic matching off). */
  vector: vectorRecordSchema.nullable(),
});

export const aliasRecordSchema = z.object({
  type: z.literal("alias"),
  key: hex64,
  canonicalKey: hex64,
  namespace: z.string(),
  prompt: z.string(),
  similarity: z.number(),
  reason: z.string(),
  createdAt: z.number(),
});

/** The runtime config overrides (PATCH /admin/config); null when there were none. */
export const configRecordSchema = z.object({
  type: z.literal("config"),
  overrides: z.record(z.string(), z.unknown()).nullable(),
});

/** A calibration stored in KV for one embedder (PUT /admin/calibration). */
export const calibrationRecordSchema = z.object({
  type: z.literal("calibration"),
  embedder: z.string(),
  calibration: z.record(z.string(), z.unknown()),
});

/** An entry's semantic scope (D1 `semantic_scopes`): what a rebuild re-embeds the entry's question with. */
export const scopeRecordSchema = z.object({
  type: z.literal("scope"),
  key: hex64,
  namespace: z.string(),
  context: z.string(),
  createdAt: z.number(),
});

/**
 * One distinct chunk of a namespace's documents: its D1 row, its R2 bytes (base64; they decode to the
 * text whose hash is the id, which restore checks) and the vector the chunk index held (null when the
 * index could not say: restore then embeds the text again).
 */
export const chunkRecordSchema = z.object({
  type: z.literal("chunk"),
  namespace: z.string(),
  id: hex64,
  chars: z.number().int().min(0),
  tokens: z.number().int().min(0),
  size: z.number().int().min(0),
  storedSize: z.number().int().min(0),
  codec: z.enum(["none", "gzip", "deflate"]),
  /** Model of the embedder the vector is from. */
  embedder: z.string(),
  createdAt: z.number(),
  body: z.string(),
  vector: vectorRecordSchema.nullable(),
});

/** A document (D1 `contexts`) and its current generation's chunk list, in document order. */
export const contextRecordSchema = z.object({
  type: z.literal("context"),
  namespace: z.string(),
  id: z.string(),
  generation: z.number().int(),
  bytes: z.number().int().min(0),
  chars: z.number().int().min(0),
  tokens: z.number().int().min(0),
  chunks: z.number().int().min(0),
  checksum: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  chunkIds: z.array(hex64),
});

/** Records of version 1 (and of version 0 once upgraded). */
export const backupRecordV1Schema = z.discriminatedUnion("type", [
  entryRecordSchema,
  aliasRecordSchema,
  configRecordSchema,
  calibrationRecordSchema,
]);

export const backupRecordSchema = z.discriminatedUnion("type", [
  entryRecordSchema,
  aliasRecordSchema,
  configRecordSchema,
  calibrationRecordSchema,
  scopeRecordSchema,
  chunkRecordSchema,
  contextRecordSchema,
]);

export type EntryRecord = z.infer<typeof entryRecordSchema>;
export type AliasRecord = z.infer<typeof aliasRecordSchema>;
export type ScopeRecord = z.infer<typeof scopeRecordSchema>;
export type ChunkRecord = z.infer<typeof chunkRecordSchema>;
export type ContextRecord = z.infer<typeof contextRecordSchema>;
export type BackupRecord = z.infer<typeof backupRecordSchema>;

export const countsV1Schema = z.object({
  entries: z.number().int().min(0),
  aliases: z.number().int().min(0),
  vectors: z.number().int().min(0),
  calibrations: z.number().int().min(0),
  /** Entries left out (expired, or changed under the backup twice in a row) and chunks left out (gone or
   * changed while the backup read them); see snapshot.ts. */
  skipped: z.number().int().min(0),
});

export const countsSchema = countsV1Schema.extend({
  scopes: z.number().int().min(0),
  /** Documents (`context` records). */
  contexts: z.number().int().min(0),
  chunks: z.number().int().min(0),
  /** Chunks whose vector is in the backup (the others are embedded again on restore). */
  chunkVectors: z.number().int().min(0),
});

export const partSchema = z.object({
  key: z.string(),
  records: z.number().int().min(0),
  /** Byte length of the object as stored (compressed). */
  bytes: z.number().int().min(0),
  /** SHA-256 (hex) of the object as stored. */
  sha256: hex64,
});

export const manifestV1Schema = z.object({
  format: z.literal(BACKUP_FORMAT),
  version: z.literal(1),
  key: z.string(),
  /** Epoch ms when the backup started: entries written later may or may not be in it, each whole. */
  createdAt: z.number(),
  completedAt: z.number(),
  source: z.enum(["admin", "cron", "migrate"]),
  /** How vectors come back: `stored` (the index's own vectors, restored as they were). */
  vectors: z.literal("stored"),
  compression: z.literal("gzip"),
  counts: countsV1Schema,
  /** Sum of the parts' stored bytes. */
  bytes: z.number().int().min(0),
  /** Sum of the parts' NDJSON bytes before compression. */
  plainBytes: z.number().int().min(0),
  parts: z.array(partSchema),
  /** SHA-256 of the manifest's canonical JSON without this field. */
  checksum: hex64,
});

/** The current manifest: version 1's with version 2 and the new record kinds counted. */
export const manifestSchema = manifestV1Schema.extend({ version: z.literal(2), counts: countsSchema });

export type ManifestV1 = z.infer<typeof manifestV1Schema>;
export type Manifest = z.infer<typeof manifestSchema>;
export type Counts = z.infer<typeof countsSchema>;

/** Counts of a backup with nothing in it yet: the writer's start, and what older formats lack. */
export const zeroCounts = (): Counts => ({
  entries: 0,
  aliases: 0,
  vectors: 0,
  calibrations: 0,
  skipped: 0,
  scopes: 0,
  contexts: 0,
  chunks: 0,
  chunkVectors: 0,
});
export type PartRef = z.infer<typeof partSchema>;

/** A manifest as restore reads it: version 2, or an older one upgraded (its parts may lack checksums). */
export interface ReadableManifest extends Omit<Manifest, "version" | "parts" | "checksum"> {
  /** The version found in R2 (before any upgrade). */
  storedVersion: number;
  parts: Array<{ key: string; records: number | null; bytes: number | null; sha256: string | null }>;
  /** Records an older manifest carried itself (version 0's inline config), read after the parts. */
  trailing?: BackupRecord[];
}

/** Keys sorted recursively, so a checksum of a JSON value does not depend on property order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
