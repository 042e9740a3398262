/**
 * @module The isolate's side of auto-tuning: a spatial sample of the access stream (after SHARDS:
 * Waldspurger et al., "Efficient MRC Construction with SHARDS", FAST 2015). A key is sampled when its
 * hash falls under {@link SAMPLE_RATE}, so every access of a sampled key is kept and none of the
 * others: replayed through an L1 scaled by the same rate, the sample has the hit rate of the whole
 * stream. Samples wait in memory (at most {@link MAX_PENDING_SAMPLES}) and reach the `Tuner` with the
 * statistics flush, from `waitUntil`, never on the hit path.
 */
import { describeError } from "../errors";

/** Share of keys whose accesses are sampled. */
export const SAMPLE_RATE = 1 / 8;
/** Samples an isolate holds between flushes; past it, accesses go unsampled until the next flush. */
export const MAX_PENDING_SAMPLES = 1_000;
/** Least time between two sends of one isolate. */
const SEND_INTERVAL_MS = 5_000;

/** One sampled access: a lookup of `key`, hit or miss. */
export interface AccessSample {
  /** The entry key (SHA-256 hex, src/cache/key.ts): no prompt text leaves the request. */
  key: string;
  /** Tenant namespace (L1 keeps a fair share per tenant). */
  ns: string;
  /** Stored bytes of the entry when the access was a hit; 0 on a miss (the size is learnt later). */
  size: number;
  /** Epoch ms. */
  at: number;
}

/** What an isolate sends: its samples and the rate they were drawn at. */
export interface SampleBatch {
  rate: number;
  samples: AccessSample[];
}

/** What receives the batches (the `Tuner` Durable Object's RPC surface). */
export interface SampleSink {
  ingest(batch: SampleBatch): unknown;
}

// Module state of the isolate, bounded by MAX_PENDING_SAMPLES.
let pending: AccessSample[] = [];
let lastSentAt = 0;

/** Whether `key`'s accesses are in the sample: its first 32 bits, as a fraction, under `rate`. */
export function isSampled(key: string, rate = SAMPLE_RATE): boolean {
  const bits = Number.parseInt(key.slice(0, 8), 16);
  return Number.isFinite(bits) && bits / 0x1_0000_0000 < rate;
}

/** Records an access of `key` if it is sampled: O(1), no I/O. */
export function sampleAccess(key: string, ns: string, size: number, at = Date.now()): void {
  if (pending.length >= MAX_PENDING_SAMPLES || !isSampled(key)) return;
  pending.push({ key, ns, size, at });
}

/** Sends the pending samples to the tuner when due; a failed send drops them (a sample may thin out). */
export async function flushSamples<Id>(
  tuner: { get(id: Id): SampleSink; idFromName(name: string): Id } | undefined,
  now = Date.now(),
): Promise<void> {
  if (!tuner || pending.length === 0 || now - lastSentAt < SEND_INTERVAL_MS) return;
  const samples = pending;
  pending = [];
  lastSentAt = now;
  try {
    await tuner.get(tuner.idFromName(TUNER_NAME)).ingest({ rate: SAMPLE_RATE, samples });
  } catch (error) {
    console.warn(`r1cache: tuning sample not sent: ${describeError(error)}`);
  }
}

/** The one tuner of a deployment. */
export const TUNER_NAME = "tuner";
