/** @module Cron Triggers: one job per schedule in wrangler.jsonc, dispatched on `controller.cron`. */
import { resolveConfig } from "../config-store";
import type { Env } from "../env";
import { describeError } from "../errors";
import { DEFAULT_BATCH, runMaintenanceUntilDone } from "../maintenance";
import { runScheduledBackup } from "./backup";

/** The schedules of wrangler.jsonc `triggers.crons`. */
export const SCHEDULES = { frequent: "*/15 * * * *", daily: "17 3 * * *" } as const;

/** Runs the jobs of one cron schedule. */
export async function runScheduled(
  controller: ScheduledController,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  const config = await resolveConfig(env);
  // Bounded: a large cache is worked through over several runs, never left half-moved (src/maintenance).
  const options = { now: Date.now(), batch: DEFAULT_BATCH, maxPasses: 10, budgetMs: 20_000 };
  switch (controller.cron) {
    case SCHEDULES.frequent:
    case SCHEDULES.daily: {
      for (const job of ["cleanup", "demote"] as const) {
        const { passes, reports } = await runMaintenanceUntilDone(job, env, ctx, config, options);
        console.log(
          `r1cache cron ${controller.cron}: ${job} in ${passes} pass(es) ${JSON.stringify(reports)}`,
        );
      }
      if (controller.cron === SCHEDULES.daily) {
        // Resumable: a run too large for one day's budget goes on from its stored cursor the next day.
        const { passes, reports } = await runMaintenanceUntilDone("defragment", env, ctx, config, options);
        console.log(
          `r1cache cron ${controller.cron}: defragment in ${passes} pass(es) ${JSON.stringify(reports)}`,
        );
      }
      if (controller.cron === SCHEDULES.frequent) {
        const backup = await runScheduledBackup(env, config, controller.scheduledTime);
        console.log(`r1cache cron ${controller.cron}: backup ${JSON.stringify(backup)}`);
      }
      return;
    }
    default:
      console.warn(`r1cache cron: no job for schedule "${controller.cron}"`);
  }
}

/** The `scheduled` handler: a failing job is logged, never thrown into the runtime's retry loop. */
export async function scheduled(
  controller: ScheduledController,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  try {
    await runScheduled(controller, env, ctx);
  } catch (error) {
    console.error(`r1cache cron ${controller.cron} failed: ${describeError(error)}`);
  }
}
