/** @module The Hono app: one router per area and one error handler that answers JSON. */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./context";
import { corsMiddleware } from "./cors";
import { CacheError, describeError } from "./errors";
import { admin } from "./routes/admin";
import { dashboard } from "./routes/dashboard";
import { openai } from "./routes/openai";
import { openapi } from "./routes/openapi";
import { r1 } from "./routes/r1";

export const app = new Hono<AppEnv>();

// First: a browser's preflight is answered before any route asks for credentials.
app.use("*", corsMiddleware);

app.get("/", (c) =>
  c.json({
    name: "r1-edge-cache",
    endpoints: [
      "/v1/chat/completions",
      "/v1/models",
      "/v1/r1/chat",
      "/admin/stats",
      "/healthz",
      "/dashboard",
    ],
  }),
);
// Routes that do nothing: the baselines of the L1-hit latency benchmark (POST reads the body, as a
// chat request must, so the comparison isolates the cache's own work from moving the request).
app.get("/healthz", (c) => c.text("ok"));
app.post("/healthz", async (c) => {
  await c.req.arrayBuffer();
  return c.text("ok");
});

app.route("/v1", openai);
app.route("/v1/r1", r1);
app.route("/admin", admin);
app.route("/", openapi);
app.route("/", dashboard);

app.notFound((c) =>
  c.json(
    {
      error: { message: `No route for ${c.req.method} ${c.req.path}`, type: "not_found", code: "not_found" },
    },
    404,
  ),
);

app.onError((error, c) => {
  if (error instanceof CacheError) {
    if (error.status >= 500) console.error(`r1cache: ${error.code}: ${error.message}`);
    return c.json(error.toJSON(), error.status as 400);
  }
  if (error instanceof HTTPException) {
    // Hono's own client faults, e.g. malformed JSON in the validator.
    const status = error.status;
    const field = status === 400 ? "body" : null;
    return c.json(
      { error: { message: error.message, type: "bad_request", code: "bad_request", param: field } },
      status,
    );
  }
  console.error(`r1cache: unhandled ${describeError(error)}`);
  return c.json({ error: { message: "internal error", type: "internal", code: "internal" } }, 500);
});
