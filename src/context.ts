/** @module The Hono context every route shares: the bindings and the per-request values middleware sets. */
import type { CacheService } from "./cache/service";
import type { CacheConfig } from "./config";
import type { Env } from "./env";
import type { MemoSlot } from "./routes/memo-slot";

/** Per-request values set by middleware. */
export interface Variables {
  /** Tenant namespace resolved from the API key. */
  namespace: string;
  config: CacheConfig;
  cache: CacheService;
  /** The request body's memo slot (set by `memoizedJson` on the chat routes). */
  memo?: MemoSlot;
  /** Server-Timing entries collected along the request. */
  timings: Array<{ name: string; dur: number; desc?: string }>;
}

export interface AppEnv {
  Bindings: Env;
  Variables: Variables;
}
