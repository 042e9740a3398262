/**
 * @module The local-only embedder worker: the bundled offline sentence encoder behind RPC.
 *
 * Bound to the main worker as `EMBEDDER` in `npm run dev` and in the tests only (see
 * embedder/README.md), so the model never enters the deployed bundle.
 */

import { WorkerEntrypoint } from "cloudflare:workers";
import { embedTexts, USE_DIMENSIONS, USE_MODEL, warmUp } from "./use-model";

/** Texts per RPC call; the caller splits larger inputs. (Not exported: workerd takes every export of the main module for a handler.) */
const MAX_TEXTS = 512;

/** What {@link EmbedderEntrypoint.info} reports. */
export interface EmbedderInfo {
  model: string;
  dimensions: number;
}

function checkTexts(texts: unknown): string[] {
  if (!Array.isArray(texts) || !texts.every((t) => typeof t === "string")) {
    throw new TypeError("embed(texts): texts must be an array of strings");
  }
  if (texts.length > MAX_TEXTS) throw new RangeError(`embed(texts): at most ${MAX_TEXTS} texts per call`);
  return texts;
}

/**
 * RPC: `embed(texts)` returns one unit-length `Float32Array` of {@link USE_DIMENSIONS} per text;
 * `info()` names the model. HTTP (for curl and the benchmark): `GET /` is `info()`,
 * `POST /embed {"texts": [...]}` answers `{"model", "vectors": number[][], "ms"}`.
 */
export default class EmbedderEntrypoint extends WorkerEntrypoint {
  async embed(texts: string[]): Promise<Float32Array[]> {
    return embedTexts(checkTexts(texts));
  }

  info(): EmbedderInfo {
    return { model: USE_MODEL, dimensions: USE_DIMENSIONS };
  }

  /** Loads the model ahead of the first `embed`. */
  async warmUp(): Promise<EmbedderInfo> {
    await warmUp();
    return this.info();
  }

  override async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (request.method === "GET" && pathname === "/") return Response.json(this.info());
    if (request.method !== "POST" || pathname !== "/embed") return new Response("not found", { status: 404 });
    try {
      const body = (await request.json()) as { texts?: unknown };
      const started = performance.now();
      const vectors = await this.embed(checkTexts(body.texts));
      const ms = performance.now() - started;
      return Response.json({ model: USE_MODEL, vectors: vectors.map((v) => Array.from(v)), ms });
    } catch (error) {
      return Response.json({ error: String(error) }, { status: 400 });
    }
  }
}
