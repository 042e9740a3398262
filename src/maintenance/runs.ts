/**
 * @module Resumable runs: optimize, defragment and rebuild walk the cache by key over several bounded
 * calls, and where a run stands between calls is a row of `maintenance_runs` in D1 (strongly consistent,
 * unlike KV). A call continues the stored run; `restart` drops it; the last pass of a run deletes it.
 */
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { maintenanceRuns } from "../db/schema";

/** Where a run stands: its step, the last key done in that step, and the run's totals so far. */
export interface RunCursor<Step extends string, Totals> {
  step: Step;
  /** Keys up to and including this one are done in `step` ("" = none yet). */
  after: string;
  totals: Totals;
}

/** A run as stored: when it began, and its cursor. */
export interface StoredRun<Step extends string, Totals> {
  startedAt: number;
  cursor: RunCursor<Step, Totals>;
}

/** Reads and writes the stored run of one job. */
export function createRunStore<Step extends string, Totals>(d1: D1Database, job: string) {
  const db = drizzle(d1);
  return {
    /** The run in progress (`resumed`), or `fresh` starting at `now`; `restart` drops a stored one first. */
    async load(
      now: number,
      fresh: RunCursor<Step, Totals>,
      restart = false,
    ): Promise<StoredRun<Step, Totals> & { resumed: boolean }> {
      if (restart) await db.delete(maintenanceRuns).where(eq(maintenanceRuns.job, job));
      const [row] = restart
        ? []
        : await db.select().from(maintenanceRuns).where(eq(maintenanceRuns.job, job)).limit(1);
      if (!row) return { startedAt: now, cursor: fresh, resumed: false };
      return { startedAt: row.startedAt, cursor: JSON.parse(row.state), resumed: true };
    },
    /** Keeps the run for the next call, or forgets it once `done`. */
    async save(run: StoredRun<Step, Totals>, done: boolean, now: number): Promise<void> {
      if (done) {
        await db.delete(maintenanceRuns).where(eq(maintenanceRuns.job, job));
        return;
      }
      const values = { job, startedAt: run.startedAt, state: JSON.stringify(run.cursor), updatedAt: now };
      await db
        .insert(maintenanceRuns)
        .values(values)
        .onConflictDoUpdate({
          target: maintenanceRuns.job,
          set: { startedAt: values.startedAt, state: values.state, updatedAt: now },
        });
    },
  };
}

/** Adds each numeric field of `pass` into `totals`. */
export function addTotals<T extends Record<string, number>>(totals: T, pass: T): T {
  const sum = { ...totals };
  for (const key of Object.keys(pass) as Array<keyof T>) {
    sum[key] = (((sum[key] ?? 0) as number) + (pass[key] as number)) as T[keyof T];
  }
  return sum;
}

/** What one step did with its budget: items looked at, and where it stopped (undefined = step finished). */
export interface StepResult {
  scanned: number;
  after: string | undefined;
}

/**
 * Runs `steps` in order from `start`, handing each the budget left, until the budget is spent (`more`)
 * or the last step finishes. A step that returns a cursor without having looked at anything ends the
 * call, so an empty page can never spin.
 */
export async function walkSteps<Step extends string>(
  steps: readonly Step[],
  start: { step: Step; after: string },
  budget: number,
  runStep: (step: Step, after: string, limit: number) => Promise<StepResult>,
): Promise<{ step: Step; after: string; more: boolean; scanned: number }> {
  let { step, after } = start;
  let left = budget;
  for (;;) {
    const result = await runStep(step, after, left);
    left -= result.scanned;
    const next = steps[steps.indexOf(step) + 1];
    if (result.after !== undefined) {
      after = result.after;
      if (result.scanned === 0) left = 0;
    } else if (next === undefined) {
      return { step, after, more: false, scanned: budget - left };
    } else {
      [step, after] = [next, ""];
    }
    if (left <= 0) return { step, after, more: true, scanned: budget - left };
  }
}
