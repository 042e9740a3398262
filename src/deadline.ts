/** @module Read deadlines: a slow backend read is abandoned and treated as a miss, never waited out. */

/** A read that did not answer within its deadline; the caller treats it like a failed read. */
export class DeadlineError extends Error {
  readonly ms: number;

  constructor(what: string, ms: number) {
    super(`${what} took longer than ${ms} ms`);
    this.name = "DeadlineError";
    this.ms = ms;
  }
}

/**
 * `work`, or a {@link DeadlineError} once `ms` have passed, whichever comes first. The work itself
 * cannot be cancelled (KV, D1 and R2 reads take no signal): its late result is dropped, and a late
 * failure is already handled by the race. No deadline when `ms` is undefined.
 */
export function withDeadline<T>(work: Promise<T>, ms: number | undefined, what: string): Promise<T> {
  if (ms === undefined) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(what, ms)), ms);
  });
  return Promise.race([work, expired]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}
