/** @module Worker bindings: what wrangler.jsonc binds plus the secrets and variables. Nothing else. */

import type { EmbedderService } from "./semantic/embedders/service";

/**
 * Bindings from wrangler.jsonc (generated into worker-configuration.d.ts by `npm run types`) plus the
 * secrets and optional variables, which `wrangler types` cannot see.
 */
export interface Env extends Cloudflare.Env {
  /** JSON object mapping client API keys to tenant namespaces: `{"sk-live-…": "acme"}`. Secret. */
  R1CACHE_KEYS?: string;
  /** Bearer token for /admin routes. Secret. */
  ADMIN_TOKEN?: string;
  /** Set only by `npm run dev` and the tests: enables the `dev-key` / `dev-admin` credentials. */
  LOCAL_DEV?: string;
  /** DeepSeek API key (upstream "deepseek"). Secret. */
  DEEPSEEK_API_KEY?: string;
  /** Base URL of the DeepSeek API. @default "https://api.deepseek.com" */
  DEEPSEEK_BASE_URL?: string;
  /** Base URL and key of any OpenAI-compatible upstream (upstream "openai"). */
  OPENAI_BASE_URL?: string;
  OPENAI_API_KEY?: string;
  /** Model name sent to an OpenAI-compatible upstream. */
  OPENAI_MODEL?: string;
  /** Workers AI model for upstream "workers-ai". @default "@cf/deepseek-ai/deepseek-r1-distill-qwen-32b" */
  WORKERS_AI_MODEL?: string;
  /** Upstream timeout in ms (whole request, first byte and idle gaps of a stream). @default 120000 */
  UPSTREAM_TIMEOUT_MS?: string;
  /** Retries on 429/5xx/network errors before the first byte. @default 2 */
  UPSTREAM_RETRIES?: string;
  /**
   * Prompt embeddings: "workers-ai" | "openai" | "local" | "off". Unset: "local" when `LOCAL_DEV` is set
   * and `EMBEDDER` is bound, else "workers-ai" when deployed with `AI` bound, else off.
   */
  EMBEDDINGS_BACKEND?: string;
  /** API root of an OpenAI-compatible embeddings endpoint (backend "openai"), e.g. `https://api.openai.com/v1`. */
  EMBEDDINGS_BASE_URL?: string;
  /** Bearer key for EMBEDDINGS_BASE_URL. Secret. */
  EMBEDDINGS_API_KEY?: string;
  /** Embedding model: required for "openai"; for "workers-ai". @default "@cf/baai/bge-m3" */
  EMBEDDINGS_MODEL?: string;
  /** Vector length: required for "openai" and for a Workers AI model the code does not know. */
  EMBEDDINGS_DIMENSIONS?: string;
  /** The offline encoder worker (embedder/), bound only by `npm run dev` and the tests. */
  EMBEDDER?: EmbedderService;
  /** JSON overrides of {@link CacheConfig}, merged over the defaults. */
  R1CACHE_CONFIG?: string;
  /**
   * Vectorize index for semantic search when deployed; not in wrangler.jsonc because it cannot run
   * offline (see src/semantic/vectors/factory.ts for how to bind it).
   */
  VECTORIZE?: VectorizeIndex;
  /**
   * Browser origins allowed to call the cache (CORS), comma-separated, or `*`; unset = no CORS headers.
   * See src/cors.ts.
   */
  CORS_ORIGINS?: string;
  /** "local" keeps semantic search on the Durable Object shards even when VECTORIZE is bound. */
  SEMANTIC_BACKEND?: string;
}
