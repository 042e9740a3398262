/** @module Cron Triggers: one job per schedule in wrangler.jsonc, dispatched on `controller.cron`. */
import { createCacheService } from "../cache/service";
import { resolveConfig } from "../config-store";
import type { Env } from "../env";
import { describeError } from "../errors";
import { createUpstream } from "../upstream";
import { cleanupExpired } from "./cleanup";

/** The schedules of wrangler.jsonc `triggers.crons`. */
export const SCHEDULES = { frequent: "*/15 * * * *", daily: "17 3 * * *" } as const;

/** Runs the jobs of one cron schedule. */
export async function runScheduled(
  controller: ScheduledController,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  const config = await resolveConfig(env);
  const { chain } = createCacheService({ env, ctx, config, upstream: () => createUpstream(env) });
  switch (controller.cron) {
    case SCHEDULES.frequent:
    case SCHEDULES.daily: {
      const report = await cleanupExpired(chain.tiers);
      console.log(`r1cache cron ${controller.cron}: cleanup ${JSON.stringify(report)}`);
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
