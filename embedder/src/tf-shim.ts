/**
 * @module Stand-in for `@energetic-ai/core` inside workerd (wired by `alias` in embedder/wrangler.jsonc).
 *
 * The real package is a Node bundle of tfjs that reads files, and starts the WASM backend while it is
 * imported, before anyone can say where the binary is. This shim exports only the tfjs symbols that
 * `@energetic-ai/embeddings` uses, from the browser builds of tfjs, and starts nothing.
 */

import "@tensorflow/tfjs-backend-wasm";

export type { GraphModel } from "@tensorflow/tfjs-converter";
export { loadGraphModel } from "@tensorflow/tfjs-converter";
export { div, dot, mul, norm, ready, tensor1d, tensor2d, util } from "@tensorflow/tfjs-core";
