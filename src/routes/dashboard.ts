/**
 * @module `GET /dashboard` and `GET /dashboard/<file>`: the live dashboard, static files from
 * public/dashboard/ served through the Workers static assets binding (`ASSETS`, wrangler.jsonc).
 *
 * The page itself holds no data and needs no token: it asks for the admin token, keeps it in
 * sessionStorage and sends it as `Authorization: Bearer` to the admin API, which is where the data and
 * the 401/403 answers come from. The worker runs first for every request (`run_worker_first`), so these
 * routes add the headers that keep the page to its own origin (no CDN, no inline script, no framing).
 * https://developers.cloudflare.com/workers/static-assets/binding/
 */
import { Hono } from "hono";
import type { AppEnv } from "../context";
import { CacheError } from "../errors";

/** Only this origin: the uPlot script and styles are served from public/dashboard/ as well. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // uPlot positions its legend and cursor with inline style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** A file name in public/dashboard/: no path separators, no dot files. */
const FILE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

export const dashboard = new Hono<AppEnv>();

async function serve(c: { env: AppEnv["Bindings"]; req: { url: string } }, file: string) {
  if (!FILE.test(file)) throw new CacheError("not_found", `No dashboard file "${file}"`, { field: "file" });
  const url = new URL(`/dashboard/${file}`, c.req.url);
  const asset = await c.env.ASSETS.fetch(new Request(url));
  if (asset.status === 404) {
    throw new CacheError("not_found", `No dashboard file "${file}"`, { field: "file" });
  }
  const response = new Response(asset.body, asset);
  response.headers.set("content-security-policy", CONTENT_SECURITY_POLICY);
  response.headers.set("x-content-type-options", "nosniff");
  response.headers.set("referrer-policy", "no-referrer");
  // The page must pick up a new deploy's script names at once; the files it loads may be cached briefly.
  response.headers.set("cache-control", file === "index.html" ? "no-cache" : "public, max-age=300");
  return response;
}

dashboard.get("/dashboard", (c) => serve(c, "index.html"));
dashboard.get("/dashboard/:file", (c) => serve(c, c.req.param("file")));
