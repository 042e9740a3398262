/** @module Runs async work over a list with a bounded number in flight, with a progress bar. */

import { createProgress } from "../progress";

/**
 * Calls `run` on every item with at most `limit` calls in flight and returns the results in item
 * order. Progress (count, rate, ETA) goes to stderr under `label`.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  label: string,
  run: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const progress = createProgress(label, items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T, index);
      progress.tick();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  progress.done();
  return results;
}
