/** @module Admin backup routes: back up to R2, list, restore and migrate backups (format: src/backup). */
import { Hono } from "hono";
import { z } from "zod";
import {
  BackupFormatError,
  BackupNotFoundError,
  createBackup,
  listBackups,
  migrateBackup,
  restoreBackup,
} from "../backup";
import type { AppEnv } from "../context";
import { CacheError } from "../errors";
import { validate } from "../validation";

export const backup = new Hono<AppEnv>();

export const keySchema = z.object({
  key: z
    .string({ error: "must be a backup key, e.g. backups/20260702T100000000Z-1a2b3c4d" })
    .regex(/^backups\/[A-Za-z0-9._-]+(\/manifest\.json)?$/, {
      error: "must be a backup key, e.g. backups/20260702T100000000Z-1a2b3c4d",
    }),
});

/** A backup that is missing is a 404; one that cannot be read is a 422 naming the problem. */
function asClientError(key: string, error: unknown): unknown {
  if (error instanceof BackupNotFoundError)
    return new CacheError("not_found", error.message, { field: "key" });
  if (error instanceof BackupFormatError) {
    return new CacheError("invalid_backup", `backup ${key} refused, nothing was changed: ${error.message}`, {
      field: "key",
      cause: error,
    });
  }
  return error;
}

backup.post("/backup", async (c) => {
  const started = Date.now();
  const manifest = await createBackup(c.env, c.get("config"), { now: started });
  const { key, version, createdAt, counts, bytes, plainBytes, parts } = manifest;
  return c.json({
    key,
    version,
    created_at: createdAt,
    ...counts,
    bytes,
    plain_bytes: plainBytes,
    parts: parts.length,
    ms: Date.now() - started,
  });
});

backup.get("/backups", async (c) => {
  const backups = await listBackups(c.env.ARCHIVE);
  return c.json({
    backups: backups.map((b) => ({ ...b, created: new Date(b.createdAt).toISOString() })),
  });
});

backup.post("/restore", validate("json", keySchema), async (c) => {
  const { key } = c.req.valid("json");
  const started = Date.now();
  try {
    const report = await restoreBackup(c.env, c.get("config"), c.executionCtx, key);
    return c.json({ ...report, ms: Date.now() - started });
  } catch (error) {
    throw asClientError(key, error);
  }
});

backup.post("/backup/migrate", validate("json", keySchema), async (c) => {
  const { key } = c.req.valid("json");
  try {
    const { manifest, ...result } = await migrateBackup(c.env, key);
    return c.json({
      ...result,
      ...(manifest
        ? { entries: manifest.counts.entries, aliases: manifest.counts.aliases, bytes: manifest.bytes }
        : {}),
    });
  } catch (error) {
    throw asClientError(key, error);
  }
});
