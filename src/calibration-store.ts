/**
 * @module Calibrations stored in KV by `npm run calibrate` (through PUT /admin/calibration), beside the
 * bundled one. The verifier takes the calibration whose embedder is the active embedder, if any.
 */
import type { Env } from "./env";
import { describeError } from "./errors";
import { type Calibration, calibrationMismatch } from "./semantic/verifier/calibration";
import { BUNDLED_CALIBRATION } from "./semantic/verifier/model/weights";

/** KV key prefix of stored calibrations; the suffix is the embedder model. */
export const CALIBRATION_PREFIX = "calibration:";

/** How long an isolate trusts its copy of a stored calibration (like the runtime config). */
const REFRESH_MS = 10_000;

const cached = new Map<string, { calibration: Calibration | null; fetchedAt: number }>();

/**
 * The calibration for `embedder`: one stored in KV for it, else the bundled one when it was fitted on
 * that embedder, else undefined (rules only). A KV failure keeps the last known value.
 */
export async function calibrationFor(
  kv: KVNamespace,
  embedder: string,
  now = Date.now(),
): Promise<Calibration | undefined> {
  const hit = cached.get(embedder);
  let stored = hit?.calibration ?? null;
  if (!hit || now - hit.fetchedAt >= REFRESH_MS) {
    try {
      stored = await kv.get<Calibration>(CALIBRATION_PREFIX + embedder, "json");
    } catch (error) {
      console.warn(`r1cache: stored calibration unavailable: ${describeError(error)}`);
    }
    cached.set(embedder, { calibration: stored, fetchedAt: now });
  }
  if (stored && stored.embedder === embedder && !calibrationMismatch(stored)) return stored;
  return BUNDLED_CALIBRATION.embedder === embedder ? BUNDLED_CALIBRATION : undefined;
}

/** Stores a calibration for its embedder (validated by the route). */
export async function storeCalibration(env: Pick<Env, "CACHE_KV">, calibration: Calibration): Promise<void> {
  await env.CACHE_KV.put(CALIBRATION_PREFIX + calibration.embedder, JSON.stringify(calibration));
  cached.delete(calibration.embedder);
}

/** Removes the stored calibration of `embedder` (the bundled one, if it applies, stays). */
export async function deleteCalibration(env: Pick<Env, "CACHE_KV">, embedder: string): Promise<void> {
  await env.CACHE_KV.delete(CALIBRATION_PREFIX + embedder);
  cached.delete(embedder);
}
