/** @module Worker entry point: HTTP through the Hono app, Cron Triggers through src/cron. */
import { app } from "./app";
import { scheduled } from "./cron";
import type { Env } from "./env";

export { Coalescer } from "./durable/coalescer";
export { PrefetchBudget } from "./durable/prefetch-budget";
export { Prefetcher } from "./durable/prefetcher";
export { StatsShard } from "./durable/stats-shard";
export { Tuner } from "./durable/tuner";
export { VectorShard } from "./durable/vector-shard";

export default {
  fetch: app.fetch,
  scheduled,
} satisfies ExportedHandler<Env>;
