/** @module `R1CacheClient`: the seed's API (chat, search, stats, admin setters) over the worker's HTTP routes. */
import type {
  AdminReport,
  BackupResult,
  CacheConfig,
  CacheStats,
  ClearResult,
  CompressionMode,
  ConfigPatch,
  DefragmentReport,
  EvictionPolicy,
  MaintenanceJob,
  MaintenanceOptions,
  MaintenanceReport,
  OptimizeReport,
  RebuildReport,
  WritePolicy,
} from "./admin-types.js";
import { decodeCompletion, decodeNative } from "./decoders.js";
import { ChatStream, type PayloadDecoder } from "./stream.js";
import { type Call, cacheInfo, createTransport, type FetchLike, type Transport } from "./transport.js";
import type {
  CallOptions,
  ChatCallOptions,
  ChatRequest,
  ChatResult,
  Completion,
  CompletionRequest,
  CompletionStreamEnd,
  ContextList,
  ContextOptions,
  ContextResult,
  NativeStreamEnd,
  SearchOptions,
  SearchResult,
  TierName,
} from "./types.js";

export interface R1CacheClientOptions {
  /** The worker's origin, e.g. `http://127.0.0.1:8787` under `npm run dev`. */
  baseUrl: string;
  /** Client API key (a key of `R1CACHE_KEYS`; `dev-key` locally), for the chat and search calls. */
  apiKey?: string;
  /** Admin token (`ADMIN_TOKEN`; `dev-admin` locally), for the admin calls. */
  adminToken?: string;
  /** The fetch to use: a service binding's, a test's, a proxy's. @default globalThis.fetch */
  fetch?: FetchLike;
  /**
   * Milliseconds without progress before a call fails with code `timeout`: until the response, and
   * between chunks of a stream. 0 = none. Above the worker's own upstream deadline (120 s) and retries.
   * @default 300000
   */
  timeoutMs?: number;
  /** Headers sent with every call (e.g. default cache controls). */
  headers?: Record<string, string>;
}

/** Default of {@link R1CacheClientOptions.timeoutMs}. */
export const DEFAULT_TIMEOUT_MS = 300_000;

/**
 * A typed client of R1 Edge Cache. Every failure is an `R1CacheError` carrying the worker's message,
 * status, code and the field at fault (`param`), except a caller's abort, which rejects with the
 * signal's reason as `fetch` does.
 */
export class R1CacheClient {
  readonly #http: Transport;

  constructor(options: R1CacheClientOptions) {
    this.#http = createTransport({ ...options, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  }

  /**
   * Asks R1 through the cache (`POST /v1/r1/chat`): the answer and its reasoning apart, where it came
   * from (`cached`, `tier`, `match`, `similarity`, `key`) and the `x-r1cache-*` headers as `cache`.
   * With `stream: true`, a {@link ChatStream} of reasoning and content deltas.
   */
  chat(request: string | (ChatRequest & { stream?: false }), options?: ChatCallOptions): Promise<ChatResult>;
  chat(
    request: ChatRequest & { stream: true },
    options?: ChatCallOptions,
  ): Promise<ChatStream<NativeStreamEnd>>;
  chat(
    request: ChatRequest & { stream?: boolean },
    options?: ChatCallOptions,
  ): Promise<ChatResult | ChatStream<NativeStreamEnd>>;
  async chat(
    request: string | (ChatRequest & { stream?: boolean }),
    options: ChatCallOptions = {},
  ): Promise<ChatResult | ChatStream<NativeStreamEnd>> {
    const { prompt, useCache, useContext, maxTokens, model, stream } =
      typeof request === "string" ? { prompt: request } : request;
    const call: Call = {
      ...options,
      method: "POST",
      path: "/v1/r1/chat",
      auth: "client",
      body: { prompt, use_cache: useCache, use_context: useContext, max_tokens: maxTokens, model, stream },
    };
    if (stream) return this.#stream(call, decodeNative);
    const { body, response } = await this.#http.json<Omit<ChatResult, "cache">>(call);
    return { ...body, cache: cacheInfo(response.headers) };
  }

  /**
   * The OpenAI-compatible route (`POST /v1/chat/completions`), for multi-turn conversations; any OpenAI
   * SDK works too. With `stream: true`, a {@link ChatStream} of `reasoning_content` and content deltas.
   */
  chatCompletion(
    request: CompletionRequest & { stream?: false },
    options?: ChatCallOptions,
  ): Promise<Completion>;
  chatCompletion(
    request: CompletionRequest & { stream: true },
    options?: ChatCallOptions,
  ): Promise<ChatStream<CompletionStreamEnd>>;
  chatCompletion(
    request: CompletionRequest & { stream?: boolean },
    options?: ChatCallOptions,
  ): Promise<Completion | ChatStream<CompletionStreamEnd>>;
  async chatCompletion(
    request: CompletionRequest & { stream?: boolean },
    options: ChatCallOptions = {},
  ): Promise<Completion | ChatStream<CompletionStreamEnd>> {
    const call: Call = {
      ...options,
      method: "POST",
      path: "/v1/chat/completions",
      auth: "client",
      body: request,
    };
    if (request.stream) return this.#stream(call, decodeCompletion);
    const { body, response } = await this.#http.json<Omit<Completion, "cache">>(call);
    return { ...body, cache: cacheInfo(response.headers) };
  }

  /** Stored prompts near `prompt` (`POST /v1/r1/search`), each with its similarity, verdict and reason. */
  async searchSimilar(prompt: string, options: SearchOptions = {}): Promise<SearchResult> {
    const { threshold, k, model, ...call } = options;
    const body = { prompt, threshold, k, model };
    return this.#client<SearchResult>({ ...call, method: "POST", path: "/v1/r1/search", body });
  }

  /**
   * Stores a document for context expansion (`POST /v1/r1/context`, up to 10 MiB): chunked, each
   * distinct chunk stored once. Ask about it with `chat({ prompt, useContext: true })`. Workers
   * without an embedder answer 501: an `R1CacheError` with code `not_enabled`.
   */
  async addContext(text: string, options: ContextOptions = {}): Promise<ContextResult> {
    const { contextId, chunkTokens, overlapTokens, ...call } = options;
    const body = { text, context_id: contextId, chunk_tokens: chunkTokens, overlap_tokens: overlapTokens };
    return this.#client<ContextResult>({ ...call, method: "POST", path: "/v1/r1/context", body });
  }

  /** The tenant's documents with their sizes (`GET /v1/r1/context`). */
  async listContexts(options: CallOptions = {}): Promise<ContextList> {
    return this.#client<ContextList>({ ...options, method: "GET", path: "/v1/r1/context" });
  }

  /** Deletes a stored document and the chunks no other document uses (`DELETE /v1/r1/context/:id`). */
  async deleteContext(contextId: string, options: CallOptions = {}): Promise<AdminReport> {
    const path = `/v1/r1/context/${encodeURIComponent(contextId)}`;
    return this.#client<AdminReport>({ ...options, method: "DELETE", path });
  }

  /** `GET /admin/stats`: the isolate's counters, or one tenant's view with `namespace`. */
  async getCacheStats(options: CallOptions & { namespace?: string } = {}): Promise<CacheStats> {
    const { namespace, ...call } = options;
    return this.#admin<CacheStats>({ ...call, method: "GET", path: "/admin/stats", query: { namespace } });
  }

  /** Clears one tier or all (`DELETE /admin/cache?level=`), optionally one namespace only. */
  async clearCache(
    level: TierName | "all" = "all",
    options: CallOptions & { namespace?: string } = {},
  ): Promise<ClearResult> {
    const { namespace, ...call } = options;
    const query = { level, namespace };
    return this.#admin<ClearResult>({ ...call, method: "DELETE", path: "/admin/cache", query });
  }

  /** Deletes one entry and its aliases (`DELETE /admin/entries/:key`), e.g. a `cache.key` served wrongly. */
  async deleteEntry(key: string, options: CallOptions = {}): Promise<{ deleted: string }> {
    const path = `/admin/entries/${encodeURIComponent(key)}`;
    return this.#admin<{ deleted: string }>({ ...options, method: "DELETE", path });
  }

  /** The running configuration (`GET /admin/config`). */
  async getConfig(options: CallOptions = {}): Promise<CacheConfig> {
    return this.#admin<CacheConfig>({ ...options, method: "GET", path: "/admin/config" });
  }

  /** Changes config fields (`PATCH /admin/config`); a bad value is a 400 whose `param` names the field. */
  async updateConfig(patch: ConfigPatch, options: CallOptions = {}): Promise<CacheConfig> {
    return this.#admin<CacheConfig>({ ...options, method: "PATCH", path: "/admin/config", body: patch });
  }

  /** Drops every runtime override (`DELETE /admin/config`). */
  async resetConfig(options: CallOptions = {}): Promise<CacheConfig> {
    return this.#admin<CacheConfig>({ ...options, method: "DELETE", path: "/admin/config" });
  }

  /** The write strategy (`writePolicy`): `write-through` or `write-behind`. */
  setCacheStrategy(strategy: WritePolicy, options?: CallOptions): Promise<CacheConfig> {
    return this.updateConfig({ writePolicy: strategy }, options);
  }

  /** L1's eviction policy (`evictionPolicy`). */
  setEvictionPolicy(policy: EvictionPolicy, options?: CallOptions): Promise<CacheConfig> {
    return this.updateConfig({ evictionPolicy: policy }, options);
  }

  /** How bodies are compressed (`compression`). */
  setCompressionMode(mode: CompressionMode, options?: CallOptions): Promise<CacheConfig> {
    return this.updateConfig({ compression: mode }, options);
  }

  /** Turns the auto-tuner on or off (`autoTune`). */
  enableAutoTuning(enabled = true, options?: CallOptions): Promise<CacheConfig> {
    return this.updateConfig({ autoTune: enabled }, options);
  }

  /** One bounded pass of a maintenance job (`POST /admin/maintenance/:job`); `more` says call again. */
  async runMaintenance(
    job: MaintenanceJob,
    options: CallOptions & MaintenanceOptions = {},
  ): Promise<MaintenanceReport> {
    const { batch, restart, ...call } = options;
    const path = `/admin/maintenance/${job}`;
    const query = { batch, restart: restart === undefined ? undefined : String(restart) };
    return this.#admin<MaintenanceReport>({ ...call, method: "POST", path, query });
  }

  /**
   * One pass of optimize: recompress with the smallest codec, re-place bodies between D1 and R2.
   * Resumable: call again while `more` (the worker keeps the cursor), `restart` to begin anew.
   */
  optimizeCache(options: CallOptions & MaintenanceOptions = {}): Promise<OptimizeReport> {
    return this.runMaintenance("optimize", options) as Promise<OptimizeReport>;
  }

  /** One pass of defragment: remove R2 bodies, KV copies, aliases and vectors no entry owns; optimize D1. */
  defragmentCache(options: CallOptions & MaintenanceOptions = {}): Promise<DefragmentReport> {
    return this.runMaintenance("defragment", options) as Promise<DefragmentReport>;
  }

  /** One pass of rebuild: the vector index and KV from D1 and R2. */
  rebuildCache(options: CallOptions & MaintenanceOptions = {}): Promise<RebuildReport> {
    return this.runMaintenance("rebuild", options) as Promise<RebuildReport>;
  }

  /** Asks and stores `prompts` ahead of traffic (`POST /admin/warmup {prompts}`; newer workers only). */
  async warmupCache(prompts: string[], options: CallOptions = {}): Promise<AdminReport> {
    return this.#admin<AdminReport>({ ...options, method: "POST", path: "/admin/warmup", body: { prompts } });
  }

  /** Snapshots the cache to R2 (`POST /admin/backup` -> `{key}`; newer workers only). */
  async backupCache(options: CallOptions = {}): Promise<BackupResult> {
    return this.#admin<BackupResult>({ ...options, method: "POST", path: "/admin/backup", body: {} });
  }

  /** Restores a snapshot by its key (`POST /admin/restore {key}`; newer workers only). */
  async restoreCache(key: string, options: CallOptions = {}): Promise<AdminReport> {
    return this.#admin<AdminReport>({ ...options, method: "POST", path: "/admin/restore", body: { key } });
  }

  async #client<T>(call: Omit<Call, "auth">): Promise<T> {
    return (await this.#http.json<T>({ ...call, auth: "client" })).body;
  }

  async #admin<T>(call: Omit<Call, "auth">): Promise<T> {
    return (await this.#http.json<T>({ ...call, auth: "admin" })).body;
  }

  async #stream<End>(call: Call, decode: PayloadDecoder<End>): Promise<ChatStream<End>> {
    const { response, deadline } = await this.#http.send(call);
    return new ChatStream(response, deadline, decode, cacheInfo(response.headers));
  }
}
