/**
 * @module Backup, restore and migration of the whole cache (see ./format.ts for the format): what the
 * admin routes and the backup cron call.
 */

import { isolateStats } from "../cache/stats";
import { createCacheTiers } from "../cache/tiers";
import type { CacheConfig } from "../config";
import { createChunkIndex } from "../documents";
import type { Env } from "../env";
import { createEmbedder } from "../semantic/embedders/factory";
import { createVectorIndex } from "../semantic/vectors/factory";
import { createR2Tier } from "../tiers/r2";
import { newBackupKey } from "./catalog";
import { BACKUP_VERSION, type Manifest, type ReadableManifest } from "./format";
import { backupKey, backupRecords, readManifest, verifyBackup } from "./reader";
import { applyRecords, type RestoreReport } from "./restore";
import {
  aliasRecords,
  chunkRecords,
  contextRecords,
  entryRecords,
  scopeRecords,
  settingsRecords,
} from "./snapshot";
import { type BackupWriter, createBackupWriter } from "./writer";

export { type BackupSummary, listBackups, pruneBackups } from "./catalog";
export { BackupFormatError } from "./migrate";
export { BackupNotFoundError } from "./reader";

export interface BackupOptions {
  /** Epoch ms the backup is stamped with (the cron passes its scheduled time). @default Date.now() */
  now?: number;
  source?: Manifest["source"];
  /** NDJSON bytes per part. @default 8 MiB */
  partBytes?: number;
}

/** Writes records with `writer`, deleting the parts written if anything fails. */
async function writeAll(writer: BackupWriter, fill: () => Promise<void>): Promise<Manifest> {
  try {
    await fill();
    return await writer.finish();
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
}

/**
 * Backs up every entry, alias, vector and semantic scope, the documents with their chunks and chunk
 * vectors, the config overrides and the calibrations to R2.
 */
export async function createBackup(
  env: Env,
  config: CacheConfig,
  options: BackupOptions = {},
): Promise<Manifest> {
  const createdAt = options.now ?? Date.now();
  const key = newBackupKey(createdAt);
  const writer = createBackupWriter(env.ARCHIVE, {
    key,
    createdAt,
    source: options.source ?? "admin",
    partBytes: options.partBytes,
  });
  const sources = {
    db: env.DB,
    kv: env.CACHE_KV,
    // Bodies are read whatever their age: the backup copies what is stored, restore drops the expired.
    archive: createR2Tier(env.ARCHIVE, { ttlSeconds: Number.MAX_SAFE_INTEGER / 1000 }),
    index: config.semantic ? createVectorIndex(env) : undefined,
    now: Date.now(),
  };
  return writeAll(writer, async () => {
    for await (const r of entryRecords(sources, () => writer.counts.skipped++)) await writer.add(r);
    for await (const r of aliasRecords(env.DB)) await writer.add(r);
    for await (const r of scopeRecords(env.DB)) await writer.add(r);
    const chunkSources = { db: env.DB, bucket: env.ARCHIVE, index: createChunkIndex(env) };
    for await (const r of chunkRecords(chunkSources, () => writer.counts.skipped++)) await writer.add(r);
    for await (const r of contextRecords(env.DB)) await writer.add(r);
    for await (const r of settingsRecords(env.CACHE_KV)) await writer.add(r);
  });
}

/** Opens `key` and verifies all of it; throws BackupNotFoundError or BackupFormatError. */
export async function openBackup(env: Pick<Env, "ARCHIVE">, key: string): Promise<ReadableManifest> {
  const manifest = await readManifest(env.ARCHIVE, backupKey(key));
  await verifyBackup(env.ARCHIVE, manifest);
  return manifest;
}

/** Restores `key` after verifying every part of it (nothing changes if that fails). */
export async function restoreBackup(
  env: Env,
  config: CacheConfig,
  ctx: Pick<ExecutionContext, "waitUntil">,
  key: string,
): Promise<RestoreReport & { key: string; version: number }> {
  const manifest = await openBackup(env, key);
  const report: RestoreReport = {
    entries: 0,
    expired: 0,
    vectors: 0,
    aliases: 0,
    calibrations: 0,
    scopes: 0,
    contexts: 0,
    chunks: 0,
    chunkVectors: 0,
    chunksEmbedded: 0,
    chunksWithoutVector: 0,
    config: "none",
  };
  const targets = {
    env,
    config,
    tiers: createCacheTiers(env, config, ctx, isolateStats, "shared").tiers,
    index: config.semantic ? createVectorIndex(env) : undefined,
    chunkIndex: createChunkIndex(env),
    embedder: createEmbedder(env),
    now: Date.now(),
  };
  for await (const records of backupRecords(env.ARCHIVE, manifest))
    await applyRecords(targets, records, report);
  return { key: manifest.key, version: manifest.storedVersion, ...report };
}

/** Writes a current-version copy of an older backup; a current one is left as it is. */
export async function migrateBackup(
  env: Env,
  key: string,
): Promise<{ key: string; from: number; to: number; migrated: boolean; manifest?: Manifest }> {
  const manifest = await openBackup(env, key);
  if (manifest.storedVersion === BACKUP_VERSION) {
    return { key: manifest.key, from: BACKUP_VERSION, to: BACKUP_VERSION, migrated: false };
  }
  const writer = createBackupWriter(env.ARCHIVE, {
    key: newBackupKey(Date.now()),
    createdAt: manifest.createdAt,
    source: "migrate",
  });
  const upgraded = await writeAll(writer, async () => {
    for await (const records of backupRecords(env.ARCHIVE, manifest)) {
      for (const record of records) await writer.add(record);
    }
  });
  return {
    key: upgraded.key,
    from: manifest.storedVersion,
    to: BACKUP_VERSION,
    migrated: true,
    manifest: upgraded,
  };
}
