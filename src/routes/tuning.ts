/** @module GET /admin/tuning (the auto-tuner's state and decisions) and POST /admin/tuning/evaluate. */
import { Hono } from "hono";
import type { AppEnv } from "../context";
import { CacheError } from "../errors";
import { TUNER_NAME } from "../tuning/sample";

export const tuning = new Hono<AppEnv>();

const tunerOf = (env: AppEnv["Bindings"]) => {
  if (!env.TUNER) throw new CacheError("not_found", "no TUNER binding: auto-tuning is not deployed");
  return env.TUNER.get(env.TUNER.idFromName(TUNER_NAME));
};

/** `{enabled, current, pending, decisions}`: decisions newest first, each with its evidence. */
tuning.get("/", async (c) => {
  const config = c.get("config");
  const status = await tunerOf(c.env).status(config);
  return c.json({ enabled: config.autoTune, ...status });
});

/** Runs one evaluation now (as the alarm would): what it found and what it applied. */
tuning.post("/evaluate", async (c) => c.json(await tunerOf(c.env).evaluate()));
