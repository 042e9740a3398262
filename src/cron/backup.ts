/**
 * @module The scheduled backup: run from the frequent cron, it backs up when the newest backup is
 * `backupEveryHours` old (so a missed run is made up by the next one) and keeps the newest
 * `backupRetention` backups.
 */
import { createBackup, listBackups, pruneBackups } from "../backup";
import type { CacheConfig } from "../config";
import type { Env } from "../env";

/** A run this early still counts as on time: crons fire on the quarter, backups take a while. */
const SLACK_MS = 5 * 60_000;

export interface ScheduledBackupReport {
  /** The key written, or null when none was due. */
  created: string | null;
  pruned: string[];
}

/** Backs up if one is due at `now` (the cron's scheduled time), then prunes to the retention. */
export async function runScheduledBackup(
  env: Env,
  config: CacheConfig,
  now: number,
): Promise<ScheduledBackupReport> {
  if (config.backupEveryHours === 0) return { created: null, pruned: [] };
  const [newest] = await listBackups(env.ARCHIVE);
  const due = !newest || now - newest.createdAt >= config.backupEveryHours * 3600_000 - SLACK_MS;
  const created = due ? (await createBackup(env, config, { now, source: "cron" })).key : null;
  const pruned = await pruneBackups(env.ARCHIVE, config.backupRetention, now);
  return { created, pruned };
}
