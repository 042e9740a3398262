/**
 * @module CORS, so the typed client (client/) can call the cache from a browser page on another origin.
 * Off unless `CORS_ORIGINS` names origins: then preflights (OPTIONS) from them are answered here, before
 * authentication (a preflight carries no credentials), and responses to them expose the `x-r1cache*`
 * headers. Keys travel in the Authorization header, never in cookies, so no credentials mode is needed.
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "./context";
import { CacheError } from "./errors";

/** Response headers a browser script may read (SPEC.md's cache headers and AI Gateway's status). */
export const EXPOSED_HEADERS = [
  "x-r1cache",
  "x-r1cache-tier",
  "x-r1cache-match",
  "x-r1cache-similarity",
  "x-r1cache-key",
  "x-r1cache-reason",
  "x-r1cache-coalesced",
  "server-timing",
  "cf-aig-cache-status",
];

/** How long a browser may reuse a preflight answer, in seconds. @default 600 */
export const PREFLIGHT_MAX_AGE = 600;

const ORIGIN = /^https?:\/\/[^/\s:]+(:\d{1,5})?$/;

/**
 * The allowed origins of a `CORS_ORIGINS` value (comma-separated origins, or `*` for any), undefined
 * when unset or empty. A value that is not an origin is refused by name, not ignored.
 */
export function parseCorsOrigins(value: string | undefined): string[] | "*" | undefined {
  const origins = (value ?? "")
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);
  if (origins.length === 0) return undefined;
  if (origins.includes("*")) return "*";
  const bad = origins.find((origin) => !ORIGIN.test(origin));
  if (bad !== undefined) {
    throw new CacheError(
      "internal",
      `CORS_ORIGINS: "${bad}" is not an origin: use scheme://host[:port] (no path), comma-separated, or *`,
    );
  }
  return origins.map((origin) => origin.toLowerCase());
}

// One middleware per distinct CORS_ORIGINS value (one per isolate in practice).
let built: { source: string | undefined; handler: MiddlewareHandler | undefined } | undefined;

function handlerFor(source: string | undefined): MiddlewareHandler | undefined {
  const known = built;
  if (known && known.source === source) return known.handler;
  const origins = parseCorsOrigins(source);
  const handler = origins
    ? cors({
        origin: origins === "*" ? "*" : (origin) => (origins.includes(origin.toLowerCase()) ? origin : null),
        allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        exposeHeaders: EXPOSED_HEADERS,
        maxAge: PREFLIGHT_MAX_AGE,
      })
    : undefined;
  built = { source, handler };
  return handler;
}

/** Answers preflights and adds CORS headers for the configured origins; does nothing when none are. */
export const corsMiddleware: MiddlewareHandler<AppEnv> = async (c, next) => {
  const handler = handlerFor(c.env.CORS_ORIGINS);
  return handler ? handler(c, next) : next();
};
