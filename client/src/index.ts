/** @module R1 Edge Cache client: typed calls to the worker's chat, search and admin routes. */
export type * from "./admin-types.js";
export { DEFAULT_TIMEOUT_MS, R1CacheClient, type R1CacheClientOptions } from "./client.js";
export {
  type ClientErrorCode,
  R1CacheError,
  type R1CacheErrorCode,
  type R1CacheErrorInit,
  SERVER_ERROR_STATUS,
  type ServerErrorCode,
} from "./errors.js";
export { ChatStream, type PayloadDecoder, readSse } from "./stream.js";
export { cacheInfo, controlHeaders, type FetchLike } from "./transport.js";
export type * from "./types.js";
