/**
 * @module The eval's HTTP client of the worker: chat requests as an OpenAI client sends them, read back
 * through the x-r1cache-* headers, and the admin config and stats routes. Nothing else is imported from
 * the worker, so the eval keeps working while its internals change.
 */

/** Local dev credentials (see README "Local development"). */
const CLIENT_KEY = "dev-key";
const ADMIN_TOKEN = "dev-admin";
const MODEL = "deepseek-reasoner";

/** How a question is sent. */
export interface AskOptions {
  /**
   * A system message: part of the context fingerprint, so questions with different ones never match
   * each other. Used to give every evaluated pair a scope of its own.
   */
  readonly system?: string;
  /** `Cache-Control` of the request (`no-store`: may be answered, stores nothing; `no-cache`: ask R1, store). */
  readonly cacheControl?: "no-store" | "no-cache";
}

/** What the worker said about one request. */
export interface Answer {
  /** `x-r1cache`: HIT, MISS or BYPASS. */
  readonly status: string;
  /** `x-r1cache-match` of a hit: exact or semantic. */
  readonly match: string | null;
  /** `x-r1cache-key`: the entry stored (miss) or served (hit). */
  readonly key: string;
  /** `x-r1cache-similarity` of a hit. */
  readonly similarity: number | null;
  /** `x-r1cache-reason` of a semantic hit, decoded. */
  readonly reason: string | null;
  /** The answer text (the simulator quotes the question it answered). */
  readonly content: string;
}

/** Config fields as JSON: the eval never assumes which fields exist. */
export type ConfigJson = Record<string, unknown>;

async function expectOk(response: Response, what: string): Promise<unknown> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

function contentOf(body: unknown): string {
  const choices = (body as { choices?: { message?: { content?: unknown } }[] }).choices;
  const content = choices?.[0]?.message?.content;
  return typeof content === "string" ? content : "";
}

/** A client of the worker at `base`. */
export function createClient(base: string) {
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
  const adminCall = async (method: string, route: string, body?: unknown) =>
    expectOk(
      await fetch(`${base}${route}`, {
        method,
        headers: admin,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
      `${method} ${route}`,
    );

  return {
    /** `POST /v1/chat/completions` with one user message (after the optional system message). */
    async ask(question: string, options: AskOptions = {}): Promise<Answer> {
      const messages = [
        ...(options.system === undefined ? [] : [{ role: "system", content: options.system }]),
        { role: "user", content: question },
      ];
      const response = await fetch(`${base}/v1/chat/completions`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${CLIENT_KEY}`,
          "content-type": "application/json",
          ...(options.cacheControl ? { "cache-control": options.cacheControl } : {}),
        },
        body: JSON.stringify({ model: MODEL, messages }),
      });
      const body = await expectOk(response, "POST /v1/chat/completions");
      const header = (name: string) => response.headers.get(name);
      const similarity = header("x-r1cache-similarity");
      const reason = header("x-r1cache-reason");
      return {
        status: header("x-r1cache") ?? "",
        match: header("x-r1cache-match"),
        key: header("x-r1cache-key") ?? "",
        similarity: similarity === null ? null : Number(similarity),
        reason: reason === null ? null : decodeURIComponent(reason),
        content: contentOf(body),
      };
    },
    /** `DELETE /admin/config` then `PATCH /admin/config`: the defaults with `patch` over them. */
    async setConfig(patch: ConfigJson): Promise<ConfigJson> {
      await adminCall("DELETE", "/admin/config");
      if (Object.keys(patch).length === 0) return (await adminCall("GET", "/admin/config")) as ConfigJson;
      return (await adminCall("PATCH", "/admin/config", patch)) as ConfigJson;
    },
    /** `GET /admin/config`: the effective configuration. */
    config: async () => (await adminCall("GET", "/admin/config")) as ConfigJson,
    /** `GET /admin/stats`. */
    stats: async () => (await adminCall("GET", "/admin/stats")) as ConfigJson,
  };
}

export type Client = ReturnType<typeof createClient>;
