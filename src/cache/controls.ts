/** @module Per-request cache controls from `Cache-Control` and the `x-r1cache-*` request headers. */
import { badRequest } from "../errors";

export interface RequestControls {
  /** Look the request up (false for `Cache-Control: no-cache`). */
  lookup: boolean;
  /** Store what this request produces, answer or alias (false for `no-store`). */
  store: boolean;
  /** Serve only entries younger than this (`max-age=N`). */
  maxAgeSeconds?: number;
  /** Lifetime of the stored answer (`x-r1cache-ttl`). */
  ttlSeconds?: number;
  /** Semantic lookup allowed (`x-r1cache-semantic: off` disables it). */
  semantic: boolean;
  /** Similarity threshold for this request (`x-r1cache-threshold`). */
  threshold?: number;
  /** The client's own cache key (`cf-aig-cache-key`): the entry is keyed by it instead of the body. */
  customKey?: string;
  /**
   * The end user's conversation (`x-r1cache-session`): prefetch learns what follows what within a
   * session; without it, within the namespace's lookups as this isolate sees them.
   */
  session?: string;
}

const NON_NEGATIVE_INT = /^\d+$/;

function parseCacheControl(value: string | undefined, controls: RequestControls): void {
  if (!value) return;
  for (const directive of value.split(",")) {
    const [rawName = "", rawArg] = directive.trim().split("=", 2);
    const name = rawName.trim().toLowerCase();
    if (name === "no-cache") controls.lookup = false;
    else if (name === "no-store") controls.store = false;
    else if (name === "max-age") {
      const arg = rawArg?.trim().replace(/^"|"$/g, "") ?? "";
      if (!NON_NEGATIVE_INT.test(arg))
        throw badRequest("Cache-Control", "max-age must be a whole number of seconds");
      controls.maxAgeSeconds = Number(arg);
    }
    // Other directives (private, no-transform, …) say nothing to this cache and are ignored, as in HTTP.
  }
}

/** Reads the controls of one request; a malformed value is a 400 naming the header. */
export function parseControls(header: (name: string) => string | undefined): RequestControls {
  const controls: RequestControls = { lookup: true, store: true, semantic: true };
  parseCacheControl(header("cache-control"), controls);

  for (const name of ["x-r1cache-ttl", "cf-aig-cache-ttl"]) {
    const ttl = header(name)?.trim();
    if (ttl === undefined) continue;
    if (!NON_NEGATIVE_INT.test(ttl) || Number(ttl) < 1) {
      throw badRequest(name, "must be a whole number of seconds, at least 1");
    }
    controls.ttlSeconds = Number(ttl);
  }

  // Cloudflare AI Gateway's headers, so an app moving from it keeps its behaviour.
  const skip = header("cf-aig-skip-cache")?.trim().toLowerCase();
  if (skip !== undefined) {
    if (skip !== "true" && skip !== "false") throw badRequest("cf-aig-skip-cache", "must be true or false");
    if (skip === "true") Object.assign(controls, { lookup: false, store: false });
  }
  const customKey = header("cf-aig-cache-key");
  if (customKey !== undefined) {
    if (customKey.length === 0 || customKey.length > 512) {
      throw badRequest("cf-aig-cache-key", "must be 1 to 512 characters");
    }
    // The client says what is the same request: paraphrase matching would second-guess it.
    Object.assign(controls, { customKey, semantic: false });
  }

  const threshold = header("x-r1cache-threshold")?.trim();
  if (threshold !== undefined) {
    const value = Number(threshold);
    if (threshold === "" || !Number.isFinite(value) || value < 0 || value > 1) {
      throw badRequest("x-r1cache-threshold", "must be a number from 0.0 to 1.0");
    }
    controls.threshold = value;
  }

  const session = header("x-r1cache-session")?.trim();
  if (session !== undefined) {
    if (session.length === 0 || session.length > 256) {
      throw badRequest("x-r1cache-session", "must be 1 to 256 characters");
    }
    controls.session = session;
  }

  const semantic = header("x-r1cache-semantic")?.trim().toLowerCase();
  if (semantic !== undefined) {
    if (semantic !== "on" && semantic !== "off") throw badRequest("x-r1cache-semantic", "must be on or off");
    controls.semantic = semantic === "on";
  }
  return controls;
}
