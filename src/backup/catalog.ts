/**
 * @module The backups in R2: listed from their manifests' custom metadata (no body reads), newest
 * first, and pruned to the newest N with whatever failed backups left behind.
 */
import { BACKUP_PREFIX, MANIFEST_NAME } from "./format";

/** A complete backup as `GET /admin/backups` lists it. */
export interface BackupSummary {
  key: string;
  version: number;
  createdAt: number;
  entries: number;
  aliases: number;
  bytes: number;
}

/** A prefix without a manifest this much older than now is a failed backup, deleted by pruning. */
const ABANDONED_AFTER_MS = 24 * 3600_000;

/** `backups/<stamp>-<random>`: the stamp sorts by time, the suffix keeps two backups of one ms apart. */
export function newBackupKey(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:.]/g, "");
  return `${BACKUP_PREFIX}${stamp}-${crypto.randomUUID().slice(0, 8)}`;
}

/** The time in a key made by {@link newBackupKey}, or undefined. */
function stampOf(key: string): number | undefined {
  const m = /^backups\/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-/.exec(key);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m;
  return Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
}

/** Every backup prefix (`backups/<id>`), complete or not. */
async function backupPrefixes(bucket: R2Bucket): Promise<string[]> {
  const prefixes: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: BACKUP_PREFIX, delimiter: "/", cursor });
    prefixes.push(...page.delimitedPrefixes.map((p) => p.replace(/\/$/, "")));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return prefixes;
}

/** Complete backups, newest first, and the prefixes that hold no manifest. */
async function catalog(bucket: R2Bucket): Promise<{ complete: BackupSummary[]; incomplete: string[] }> {
  const complete: BackupSummary[] = [];
  const incomplete: string[] = [];
  for (const key of await backupPrefixes(bucket)) {
    const head = await bucket.head(`${key}/${MANIFEST_NAME}`);
    if (!head) {
      incomplete.push(key);
      continue;
    }
    const m = head.customMetadata ?? {};
    complete.push({
      key,
      version: Number(m.version ?? 0),
      createdAt: Number(m.createdAt ?? head.uploaded.getTime()),
      entries: Number(m.entries ?? 0),
      aliases: Number(m.aliases ?? 0),
      bytes: Number(m.bytes ?? 0),
    });
  }
  complete.sort((a, b) => b.createdAt - a.createdAt || (a.key < b.key ? 1 : -1));
  return { complete, incomplete };
}

/** Complete backups, newest first. */
export async function listBackups(bucket: R2Bucket): Promise<BackupSummary[]> {
  return (await catalog(bucket)).complete;
}

/** Deletes every object under `key/`, a listing page (up to 1000 keys, R2's delete limit) at a time. */
export async function deleteBackup(bucket: R2Bucket, key: string): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: `${key}/`, cursor });
    const keys = page.objects.map((o) => o.key);
    // The manifest first: a half-deleted backup must not look complete.
    const manifest = keys.find((k) => k.endsWith(`/${MANIFEST_NAME}`));
    if (manifest) await bucket.delete(manifest);
    if (keys.length > 0) await bucket.delete(keys);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
}

/** Keeps the newest `keep` complete backups; deletes older ones and abandoned partial ones. */
export async function pruneBackups(bucket: R2Bucket, keep: number, now = Date.now()): Promise<string[]> {
  const { complete, incomplete } = await catalog(bucket);
  const doomed = complete.slice(Math.max(0, keep)).map((b) => b.key);
  // A backup in progress has no manifest yet: only prefixes well past any run's length go.
  doomed.push(...incomplete.filter((key) => (stampOf(key) ?? now) < now - ABANDONED_AFTER_MS));
  for (const key of doomed) await deleteBackup(bucket, key);
  return doomed;
}
