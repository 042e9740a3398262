/** @module The client's one error type: the server's `{error: {message, type, code, param}}`, typed. */

/** Codes the worker answers with (its `src/errors.ts`), each with its HTTP status. */
export const SERVER_ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  invalid_backup: 422,
  not_enabled: 501,
  upstream_error: 502,
  upstream_timeout: 504,
  upstream_truncated: 502,
  unavailable: 503,
  internal: 500,
} as const;

export type ServerErrorCode = keyof typeof SERVER_ERROR_STATUS;

/**
 * Codes of failures with no error body from the worker: `timeout` (the client's deadline passed),
 * `network` (fetch itself failed), `stream_cut` (a stream ended without `[DONE]`), `bad_response`
 * (a body that is not what the route sends, e.g. a proxy's HTML page).
 */
export type ClientErrorCode = "timeout" | "network" | "stream_cut" | "bad_response";

/** Any code; unknown strings come from worker versions newer than this client. */
export type R1CacheErrorCode = ServerErrorCode | ClientErrorCode | (string & {});

export interface R1CacheErrorInit {
  /** HTTP status; 0 when the failure had no response (timeout, network). */
  status: number;
  code: R1CacheErrorCode;
  type?: string;
  /** The request field or header at fault, e.g. `evictionPolicy`, `messages[0].role`. */
  param?: string | null;
  upstreamStatus?: number;
  cause?: unknown;
}

/** A call that failed: the worker's message, status and code, or a client-side failure. */
export class R1CacheError extends Error {
  readonly status: number;
  readonly code: R1CacheErrorCode;
  readonly type: string;
  readonly param: string | null;
  /** The status R1 itself answered with, for upstream errors. */
  readonly upstreamStatus?: number;

  constructor(message: string, init: R1CacheErrorInit) {
    super(message, { cause: init.cause });
    this.name = "R1CacheError";
    this.status = init.status;
    this.code = init.code;
    this.type = init.type ?? init.code;
    this.param = init.param ?? null;
    this.upstreamStatus = init.upstreamStatus;
  }

  /** Whether the same call may succeed later: 429, 5xx other than 501, timeouts, network, cut streams. */
  get retryable(): boolean {
    if (this.code === "timeout" || this.code === "network" || this.code === "stream_cut") return true;
    return this.status === 429 || (this.status >= 500 && this.status !== 501);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The error an `{error: {...}}` payload describes, or undefined when `payload` is not one. `status` is
 * the HTTP status; inside a 200 stream, the status of the error's code.
 */
export function errorFromPayload(payload: unknown, status?: number): R1CacheError | undefined {
  if (!isRecord(payload) || !isRecord(payload.error)) return undefined;
  const { message, type, code, param, upstream_status: upstreamStatus } = payload.error;
  const codeName = typeof code === "string" ? code : typeof type === "string" ? type : "internal";
  const known = SERVER_ERROR_STATUS[codeName as ServerErrorCode] as number | undefined;
  return new R1CacheError(typeof message === "string" ? message : `request failed: ${codeName}`, {
    status: status ?? known ?? 502,
    code: codeName,
    type: typeof type === "string" ? type : codeName,
    param: typeof param === "string" ? param : null,
    upstreamStatus: typeof upstreamStatus === "number" ? upstreamStatus : undefined,
  });
}

/**
 * The typed error of a non-2xx response, from its JSON error body or, failing that, its text and the
 * code of its status (a 404 from a proxy is still `not_found`).
 */
export async function errorFromResponse(response: Response): Promise<R1CacheError> {
  const text = await response.text().catch(() => "");
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    // Not the worker's JSON (a proxy, a platform error page): keep the start of what came back.
  }
  const fromBody = errorFromPayload(payload, response.status);
  if (fromBody) return fromBody;
  const snippet = text.trim().slice(0, 200);
  const code = Object.entries(SERVER_ERROR_STATUS).find(([, status]) => status === response.status)?.[0];
  return new R1CacheError(`HTTP ${response.status}${snippet ? `: ${snippet}` : ""}`, {
    status: response.status,
    code: code ?? "bad_response",
  });
}
