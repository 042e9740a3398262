/** @module Authentication: client API keys map to tenant namespaces; the admin token is separate. */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context";
import type { Env } from "./env";
import { CacheError } from "./errors";

/** Local-development credentials, accepted only when `LOCAL_DEV` is set (npm run dev, tests). */
export const DEV_CLIENT_KEY = "dev-key";
export const DEV_ADMIN_TOKEN = "dev-admin";
export const DEV_NAMESPACE = "dev";

const SETUP_HINT =
  'set the R1CACHE_KEYS secret to a JSON object of API keys and namespaces, e.g. `echo \'{"<key>":"<namespace>"}\' | wrangler secret put R1CACHE_KEYS`';

let parsedKeys: { source: string; keys: Map<string, string> } | undefined;

/** Client keys of this deployment (parsed once per isolate). */
export function clientKeys(env: Env): Map<string, string> {
  const source = `${env.LOCAL_DEV ? "dev" : ""}|${env.R1CACHE_KEYS ?? ""}`;
  if (parsedKeys?.source !== source) {
    const keys = new Map<string, string>();
    if (env.LOCAL_DEV) keys.set(DEV_CLIENT_KEY, DEV_NAMESPACE);
    if (env.R1CACHE_KEYS) {
      let raw: unknown;
      try {
        raw = JSON.parse(env.R1CACHE_KEYS);
      } catch {
        throw new CacheError("internal", `R1CACHE_KEYS is not valid JSON: ${SETUP_HINT}`);
      }
      for (const [key, namespace] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof namespace === "string" && key) keys.set(key, namespace);
      }
    }
    parsedKeys = { source, keys };
  }
  return parsedKeys.keys;
}

/** The bearer token (or `x-api-key`) of a request. */
export function presentedToken(header: (name: string) => string | undefined): string | undefined {
  const authorization = header("authorization");
  const match = authorization?.match(/^Bearer\s+(.+)$/i);
  return match?.[1]?.trim() ?? header("x-api-key")?.trim();
}

const encoder = new TextEncoder();

/** Compares secrets in constant time, so response timing does not leak how much of a key matched. */
export function safeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  if (x.byteLength !== y.byteLength) return false;
  return crypto.subtle.timingSafeEqual(x, y);
}

// The client keys as bytes, encoded once per parsed key set rather than on every request.
const encodedKeys = new WeakMap<Map<string, string>, Array<[Uint8Array, string]>>();

function lookupNamespace(keys: Map<string, string>, token: string): string | undefined {
  let encoded = encodedKeys.get(keys);
  if (!encoded) {
    encoded = [...keys].map(([key, namespace]): [Uint8Array, string] => [encoder.encode(key), namespace]);
    encodedKeys.set(keys, encoded);
  }
  const presented = encoder.encode(token);
  let found: string | undefined;
  // Every key is compared, in constant time, as safeEqual does.
  for (const [key, namespace] of encoded) {
    if (key.byteLength === presented.byteLength && crypto.subtle.timingSafeEqual(key, presented))
      found = namespace;
  }
  return found;
}

/** Requires a client API key and sets `namespace`. */
export const requireClient = createMiddleware<AppEnv>(async (c, next) => {
  const keys = clientKeys(c.env);
  if (keys.size === 0) throw new CacheError("unauthorized", `No API keys are configured: ${SETUP_HINT}`);
  const token = presentedToken((name) => c.req.header(name));
  if (!token) throw new CacheError("unauthorized", "Missing API key: send `Authorization: Bearer <key>`");
  const namespace = lookupNamespace(keys, token);
  if (namespace === undefined) {
    if (adminToken(c.env) && safeEqual(token, adminToken(c.env) ?? "")) {
      throw new CacheError("forbidden", "The admin token cannot make client requests: use a client API key");
    }
    throw new CacheError("unauthorized", "Invalid API key");
  }
  c.set("namespace", namespace);
  await next();
});

function adminToken(env: Env): string | undefined {
  return env.ADMIN_TOKEN || (env.LOCAL_DEV ? DEV_ADMIN_TOKEN : undefined);
}

/** Requires the admin token. */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const expected = adminToken(c.env);
  if (!expected) {
    throw new CacheError(
      "unauthorized",
      "No admin token is configured: set it with `wrangler secret put ADMIN_TOKEN`",
    );
  }
  const token = presentedToken((name) => c.req.header(name));
  if (!token)
    throw new CacheError("unauthorized", "Missing admin token: send `Authorization: Bearer <token>`");
  if (!safeEqual(token, expected)) {
    const isClient = lookupNamespace(clientKeys(c.env), token) !== undefined;
    if (isClient) throw new CacheError("forbidden", "Client API keys cannot use the admin API");
    throw new CacheError("unauthorized", "Invalid admin token");
  }
  await next();
});
