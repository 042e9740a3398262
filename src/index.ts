/** @module Worker entry point: HTTP through the Hono app; cron triggers come with the background jobs. */
import { app } from "./app";
import type { Env } from "./env";

export { VectorShard } from "./durable/vector-shard";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
