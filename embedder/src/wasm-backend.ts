/** @module Starts the tfjs WASM backend in workerd from a precompiled module, without fetch or fs. */

import { setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
// The SIMD build: V8 in workerd supports WASM SIMD; threads need Web Workers, which workerd lacks.
import simdModule from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm";
import { env, getBackend, setBackend } from "@tensorflow/tfjs-core";

type InstantiateFn = typeof WebAssembly.instantiate;
type Platform = Parameters<ReturnType<typeof env>["setPlatform"]>[1];

/** Any path will do: our platform `fetch` ignores it and our `instantiate` ignores the bytes. */
const PLACEHOLDER = "embedded:tfjs-backend-wasm-simd.wasm";

/** A tfjs platform for workerd: the clock and text codecs; its `fetch` serves no network. */
function workerdPlatform(): Platform {
  const encoder = new TextEncoder();
  return {
    fetch: async () => new Response(new ArrayBuffer(0)),
    now: () => performance.now(),
    encode: (text: string) => encoder.encode(text),
    decode: (bytes: Uint8Array, encoding: string) => new TextDecoder(encoding).decode(bytes),
    isTypedArray: (a: unknown): a is Float32Array | Int32Array | Uint8Array | Uint8ClampedArray =>
      a instanceof Float32Array ||
      a instanceof Int32Array ||
      a instanceof Uint8Array ||
      a instanceof Uint8ClampedArray,
    setTimeoutCustom: (fn: () => void, delay: number) => void setTimeout(fn, delay),
  };
}

/**
 * Workerd refuses to compile WebAssembly from bytes at run time ("Wasm code generation disallowed by
 * embedder"): a Worker may only instantiate modules it was uploaded with. tfjs offers no hook to hand
 * it a `WebAssembly.Module`, but with `usePlatformFetch` it calls `WebAssembly.instantiate(bytes,
 * imports)`; for the duration of the backend's start we answer that call with the bundled module.
 */
async function withBundledModule<T>(run: () => Promise<T>): Promise<T> {
  const original: InstantiateFn = WebAssembly.instantiate;
  const instantiate = async (_bytes: unknown, imports?: WebAssembly.Imports) => {
    const instance = await original(simdModule, imports);
    return { instance, module: simdModule };
  };
  // workers-types declare only the (module) overload; tfjs calls the (bytes) one, which yields both.
  WebAssembly.instantiate = instantiate as unknown as InstantiateFn;
  try {
    return await run();
  } finally {
    WebAssembly.instantiate = original;
  }
}

let started: Promise<void> | undefined;

/** Makes `wasm` the tfjs backend, once per isolate; later calls share the first start. */
export function startWasmBackend(): Promise<void> {
  started ??= (async () => {
    const flags = env();
    flags.setPlatform("workerd", workerdPlatform());
    flags.set("WASM_HAS_SIMD_SUPPORT", true);
    flags.set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    setThreadsCount(1);
    setWasmPaths(
      {
        "tfjs-backend-wasm.wasm": PLACEHOLDER,
        "tfjs-backend-wasm-simd.wasm": PLACEHOLDER,
        "tfjs-backend-wasm-threaded-simd.wasm": PLACEHOLDER,
      },
      true,
    );
    const ok = await withBundledModule(() => setBackend("wasm"));
    if (!ok || getBackend() !== "wasm") throw new Error("the tfjs WASM backend did not start");
  })();
  // A failed start is not cached: the next call tries again.
  started.catch(() => {
    started = undefined;
  });
  return started;
}
