/** @module Runtime config: `R1CACHE_CONFIG` overlaid with the overrides set through PATCH /admin/config. */
import { type CacheConfig, type ConfigPatch, loadConfig, mergeConfig } from "./config";
import { withDeadline } from "./deadline";
import type { Env } from "./env";
import { describeError } from "./errors";

/** KV key of the admin overrides (a {@link ConfigPatch}). */
export const CONFIG_OVERRIDES_KEY = "config:overrides";

/**
 * How long an isolate trusts its copy of the overrides. KV itself may serve a changed value up to
 * 60 s late in other locations (https://developers.cloudflare.com/kv/concepts/how-kv-works/).
 */
export const CONFIG_REFRESH_MS = 10_000;

let cached: { base: CacheConfig; patch: ConfigPatch; config: CacheConfig; fetchedAt: number } | undefined;

/** Patches may only be plain objects; anything else is refused by the route before it gets here. */
function mergePatches(a: ConfigPatch, b: ConfigPatch): ConfigPatch {
  return deepMerge(a, b) as ConfigPatch;
}

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * `b` over `a`, object fields merged at every depth (a second PATCH of `alerts.minHitRate` keeps the
 * first PATCH's `alerts.maxP95Ms`); arrays and scalars are replaced.
 */
function deepMerge(a: unknown, b: unknown): unknown {
  if (!isPlainObject(a) || !isPlainObject(b)) return b;
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = deepMerge(a[key], value);
  return out;
}

/**
 * The effective config of this request. A KV failure, or a read past L2's deadline, keeps the last
 * known overrides (or none): a slow KV must not stall every request.
 */
export async function resolveConfig(env: Env, now = Date.now()): Promise<CacheConfig> {
  const base = loadConfig(env);
  if (cached && cached.base === base && now - cached.fetchedAt < CONFIG_REFRESH_MS) return cached.config;
  let patch = cached?.patch ?? {};
  try {
    const read = env.CACHE_KV.get<ConfigPatch>(CONFIG_OVERRIDES_KEY, "json");
    patch = (await withDeadline(read, base.tiers.l2.readTimeoutMs, "config overrides")) ?? {};
  } catch (error) {
    console.warn(`r1cache: config overrides unavailable, using the last known: ${describeError(error)}`);
  }
  let config = base;
  try {
    config = mergeConfig(base, patch);
  } catch {
    // Overrides that no longer validate against a changed base are ignored rather than fatal.
  }
  cached = { base, patch, config, fetchedAt: now };
  return config;
}

/**
 * Validates `patch` against the current config and stores the combined overrides. Throws the
 * ZodError (naming the field) when the result would be invalid.
 */
export async function updateConfig(env: Env, patch: ConfigPatch): Promise<CacheConfig> {
  const base = loadConfig(env);
  const stored = (await env.CACHE_KV.get<ConfigPatch>(CONFIG_OVERRIDES_KEY, "json")) ?? {};
  const combined = mergePatches(stored, patch);
  const config = mergeConfig(base, combined);
  await env.CACHE_KV.put(CONFIG_OVERRIDES_KEY, JSON.stringify(combined));
  cached = { base, patch: combined, config, fetchedAt: Date.now() };
  return config;
}

/** Drops every admin override: back to `R1CACHE_CONFIG` and the defaults. */
export async function resetConfig(env: Env): Promise<CacheConfig> {
  await env.CACHE_KV.delete(CONFIG_OVERRIDES_KEY);
  cached = undefined;
  return resolveConfig(env);
}
