/** @module The one error type of the worker; `app.onError` turns it into a JSON response. */

export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "payload_too_large"
  | "invalid_backup"
  | "not_enabled"
  | "upstream_error"
  | "upstream_timeout"
  | "upstream_truncated"
  | "unavailable"
  | "internal";

const STATUS: Record<ErrorCode, number> = {
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
};

export interface CacheErrorOptions {
  /** The request field at fault, e.g. `messages[2].role`. */
  field?: string;
  /** HTTP status the upstream answered with, for upstream errors. */
  upstreamStatus?: number;
  /** Whether a retry may succeed (429, 5xx, network, timeout). */
  retryable?: boolean;
  cause?: unknown;
}

/** An error with a code that maps to an HTTP status and a JSON body naming what went wrong. */
export class CacheError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly upstreamStatus?: number;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: CacheErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "CacheError";
    this.code = code;
    this.field = options.field;
    this.upstreamStatus = options.upstreamStatus;
    this.retryable = options.retryable ?? false;
  }

  get status(): number {
    return STATUS[this.code];
  }

  /** OpenAI-style error body: `{ error: { message, type, code, param } }`. */
  toJSON(): { error: Record<string, unknown> } {
    return {
      error: {
        message: this.message,
        type: this.code,
        code: this.code,
        param: this.field ?? null,
        ...(this.upstreamStatus !== undefined && { upstream_status: this.upstreamStatus }),
      },
    };
  }
}

/** Shorthand for a 400 that names the bad field. */
export function badRequest(field: string, message: string): CacheError {
  return new CacheError("bad_request", `${field}: ${message}`, { field });
}

/**
 * A one-line description of an error that is safe to log: the innermost cause's message, first line,
 * cut short. Query text and bound parameters (which hold prompts and keys) never reach the logs.
 */
export function describeError(error: unknown): string {
  let inner = error;
  while (inner instanceof Error && inner.cause !== undefined) inner = inner.cause;
  const message = inner instanceof Error ? `${inner.name}: ${inner.message}` : String(inner);
  const firstLine = message.split("\n", 1)[0] ?? "";
  return firstLine.length > 200 ? `${firstLine.slice(0, 200)}…` : firstLine;
}
