/**
 * The admin API as the dashboard calls it. The token lives in this tab's sessionStorage only: never in
 * the URL, a cookie or localStorage; it goes out as an `Authorization: Bearer` header to this origin.
 */

const TOKEN_KEY = "r1cache.dashboard.adminToken";

export const session = {
  /** @returns {string | null} */
  token: () => sessionStorage.getItem(TOKEN_KEY),
  /** @param {string} token */
  save: (token) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** The admin API refused the token (401 or 403): the dashboard asks for it again. */
export class AuthError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.name = "AuthError";
    this.status = status;
  }
}

/** @param {Response} res */
async function errorMessage(res) {
  try {
    const body = await res.json();
    return body?.error?.message ?? `${res.status} ${res.statusText}`;
  } catch {
    return `${res.status} ${res.statusText}`;
  }
}

/**
 * Calls an admin route with the token and answers its JSON.
 * @param {string} path
 * @param {{ method?: string, token?: string | null }} [options]
 */
export async function admin(path, options = {}) {
  const token = options.token ?? session.token();
  if (!token) throw new AuthError(401, "Sign in with the admin token");
  const res = await fetch(path, {
    method: options.method ?? "GET",
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
    cache: "no-store",
  });
  if (res.status === 401 || res.status === 403) throw new AuthError(res.status, await errorMessage(res));
  if (!res.ok) throw new Error(`${options.method ?? "GET"} ${path}: ${await errorMessage(res)}`);
  return res.json();
}

/** Liveness: `/healthz` answers "ok" without credentials. */
export async function health() {
  const started = performance.now();
  try {
    const res = await fetch("/healthz", { cache: "no-store" });
    return { ok: res.ok && (await res.text()) === "ok", ms: performance.now() - started };
  } catch {
    return { ok: false, ms: performance.now() - started };
  }
}
