/**
 * @module Older backup formats and their upgrade to the current one, record by record; restore applies
 * it on the fly and `POST /admin/backup/migrate` writes the upgraded copy.
 *
 * Version 0 (legacy, the first shape): `manifest.json` is
 * `{version: 0, created: "<ISO 8601>", entries, aliases, parts: ["<object key>", ...], config}` with
 * the config overrides inline and no checksums of its own or of its parts; each part is gzip NDJSON of
 * `{kind: "entry", key, namespace, model, prompt, codec, checksum, size, storedSize, createdAt,
 * expiresAt, hits, bodyBase64}` and `{kind: "alias", key, canonical, namespace, prompt, similarity,
 * createdAt}`: no vectors, no store times. The entries' body checksums are the only ones it has, and
 * they are checked like version 1's.
 *
 * Version 1: the current manifest and records without the kinds version 2 added (`scope`, `chunk`,
 * `context`) and without their counts; it upgrades by counting zero of each, its records are read as
 * they are (a version 1 part holding a version 2 kind is refused).
 */
import { z } from "zod";
import { sha256Hex } from "../cache/codec";
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  type BackupRecord,
  backupRecordSchema,
  backupRecordV1Schema,
  canonicalJson,
  manifestSchema,
  manifestV1Schema,
  type ReadableManifest,
  zeroCounts,
} from "./format";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const manifestV0Schema = z.object({
  version: z.literal(0),
  created: z.iso.datetime(),
  entries: z.number().int().min(0),
  aliases: z.number().int().min(0),
  parts: z.array(z.string().min(1)),
  config: z.record(z.string(), z.unknown()).nullable().optional(),
});

export const entryV0Schema = z.object({
  kind: z.literal("entry"),
  key: hex64,
  namespace: z.string(),
  model: z.string(),
  prompt: z.string(),
  codec: z.enum(["none", "gzip", "deflate"]),
  checksum: hex64,
  size: z.number().int().min(0),
  storedSize: z.number().int().min(0),
  createdAt: z.number(),
  expiresAt: z.number().nullable(),
  hits: z.number().int().min(0),
  bodyBase64: z.string(),
});

export const aliasV0Schema = z.object({
  kind: z.literal("alias"),
  key: hex64,
  canonical: hex64,
  namespace: z.string(),
  prompt: z.string(),
  similarity: z.number(),
  createdAt: z.number(),
});

const recordV0Schema = z.discriminatedUnion("kind", [entryV0Schema, aliasV0Schema]);

export type ManifestV0 = z.infer<typeof manifestV0Schema>;
export type RecordV0 = z.infer<typeof recordV0Schema>;

/** Versions restore can read. */
export const READABLE_VERSIONS = [0, 1, BACKUP_VERSION] as const;

/** Why a manifest cannot be read: restore answers it as a 4xx naming the problem. */
export class BackupFormatError extends Error {
  override readonly name = "BackupFormatError";
}

/** The first issue of a zod error as `field: message`. */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`;
}

/** Checks the format and version of a parsed manifest and upgrades it to the current shape. */
export async function upgradeManifest(raw: unknown): Promise<ReadableManifest> {
  const version = (raw as { version?: unknown } | null)?.version;
  if (version === BACKUP_VERSION || version === 1) {
    if ((raw as { format?: unknown }).format !== BACKUP_FORMAT) {
      throw new BackupFormatError(`not an ${BACKUP_FORMAT} manifest (format field missing or wrong)`);
    }
    const parsed = (version === 1 ? manifestV1Schema : manifestSchema).safeParse(raw);
    if (!parsed.success) throw new BackupFormatError(`manifest is malformed: ${firstIssue(parsed.error)}`);
    const { checksum, ...rest } = parsed.data;
    if ((await sha256Hex(canonicalJson(rest))) !== checksum) {
      throw new BackupFormatError("manifest does not match its SHA-256 checksum");
    }
    return { ...rest, counts: { ...zeroCounts(), ...rest.counts }, storedVersion: rest.version };
  }
  if (version === 0) return upgradeManifestV0(raw);
  const known = READABLE_VERSIONS.join(" and ");
  throw new BackupFormatError(
    `unknown format version ${JSON.stringify(version)}: this worker reads ${known}`,
  );
}

function upgradeManifestV0(raw: unknown): ReadableManifest {
  const parsed = manifestV0Schema.safeParse(raw);
  if (!parsed.success) throw new BackupFormatError(`manifest is malformed: ${firstIssue(parsed.error)}`);
  const m = parsed.data;
  const createdAt = Date.parse(m.created);
  return {
    format: BACKUP_FORMAT,
    storedVersion: 0,
    key: "",
    createdAt,
    completedAt: createdAt,
    source: "admin",
    vectors: "stored",
    compression: "gzip",
    counts: { ...zeroCounts(), entries: m.entries, aliases: m.aliases },
    bytes: 0,
    plainBytes: 0,
    parts: m.parts.map((key) => ({ key, records: null, bytes: null, sha256: null })),
    trailing: [{ type: "config", overrides: m.config ?? null }],
  };
}

/** One record of a part, parsed and upgraded from `version` to the current shape. */
export function upgradeRecord(raw: unknown, version: number): BackupRecord {
  if (version === BACKUP_VERSION || version === 1) {
    const parsed = (version === 1 ? backupRecordV1Schema : backupRecordSchema).safeParse(raw);
    if (!parsed.success) throw new BackupFormatError(`record is malformed: ${firstIssue(parsed.error)}`);
    return parsed.data;
  }
  const parsed = recordV0Schema.safeParse(raw);
  if (!parsed.success) throw new BackupFormatError(`v0 record is malformed: ${firstIssue(parsed.error)}`);
  const r = parsed.data;
  if (r.kind === "alias") {
    const { kind: _kind, canonical, ...rest } = r;
    return { type: "alias", ...rest, canonicalKey: canonical, reason: "restored alias" };
  }
  const { kind: _kind, hits, bodyBase64, ...rest } = r;
  // v0 kept no store time: the entry counts as stored when it was created.
  return {
    type: "entry",
    ...rest,
    hitCount: hits,
    body: bodyBase64,
    storedAt: r.createdAt,
    lastHitAt: null,
    vector: null,
  };
}
