import { describe, expect, it, vi } from "vitest";
import type { Env } from "../../../src/env";
import { CacheError } from "../../../src/errors";
import { chooseEmbedder, createEmbedder } from "../../../src/semantic/embedders/factory";

/** An AI binding that fails the test if anything touches it: the factory must only check it is bound. */
const untouchableAi = new Proxy(
  {},
  {
    get() {
      throw new Error("the AI binding was touched");
    },
  },
) as Ai;
const fakeService = { embed: vi.fn(async (texts: string[]) => texts.map(() => new Array(512).fill(1))) };

type FactoryEnv = Parameters<typeof chooseEmbedder>[0];
const deployed: FactoryEnv = { AI: untouchableAi } as FactoryEnv;
const dev: FactoryEnv = { AI: untouchableAi, LOCAL_DEV: "1", EMBEDDER: fakeService } as FactoryEnv;

function thrown(env: Partial<Env>): CacheError {
  try {
    chooseEmbedder(env as FactoryEnv);
  } catch (error) {
    if (error instanceof CacheError) return error;
    throw error;
  }
  throw new Error("expected a CacheError");
}

describe("createEmbedder(env)", () => {
  it("defaults to Workers AI bge-m3 when deployed with AI bound", () => {
    const choice = chooseEmbedder(deployed);
    expect(choice.backend).toBe("workers-ai");
    expect(choice.embedder).toMatchObject({ model: "@cf/baai/bge-m3", dimensions: 1024 });
    expect(choice.reason).toMatch(/AI binding/);
  });

  it("defaults to the local service in dev, and never to Workers AI there", async () => {
    const choice = chooseEmbedder(dev);
    expect(choice.backend).toBe("local");
    expect(choice.embedder).toMatchObject({ model: "use-lite-en-0.2.0", dimensions: 512 });
    await choice.embedder?.embed(["hi"]);
    expect(fakeService.embed).toHaveBeenCalledWith(["hi"]);

    const noService = chooseEmbedder({ ...dev, EMBEDDER: undefined });
    expect(noService).toMatchObject({ backend: "off", embedder: undefined });
    expect(noService.reason).toMatch(/semantic search disabled.*EMBEDDER.*npm run dev/);
  });

  it("is off when asked, or when nothing is bound", () => {
    expect(createEmbedder({ ...dev, EMBEDDINGS_BACKEND: "off" } as FactoryEnv)).toBeUndefined();
    expect(chooseEmbedder({} as FactoryEnv)).toMatchObject({ backend: "off", reason: /no AI binding/ });
  });

  it("builds the OpenAI-compatible embedder from EMBEDDINGS_* variables", () => {
    const choice = chooseEmbedder({
      ...deployed,
      EMBEDDINGS_BACKEND: "openai",
      EMBEDDINGS_BASE_URL: "https://emb.example/v1",
      EMBEDDINGS_API_KEY: "sk-secret-abcdef",
      EMBEDDINGS_MODEL: "text-embedding-3-small",
      EMBEDDINGS_DIMENSIONS: "1536",
    });
    expect(choice).toMatchObject({ backend: "openai", reason: /emb\.example/ });
    expect(choice.embedder).toMatchObject({ model: "text-embedding-3-small", dimensions: 1536 });
    expect(choice.reason).not.toContain("sk-secret");
  });

  it("passes EMBEDDINGS_MODEL and EMBEDDINGS_DIMENSIONS to Workers AI", () => {
    const small = chooseEmbedder({ ...deployed, EMBEDDINGS_MODEL: "@cf/baai/bge-small-en-v1.5" });
    expect(small.embedder).toMatchObject({ model: "@cf/baai/bge-small-en-v1.5", dimensions: 384 });
    const custom = { ...deployed, EMBEDDINGS_MODEL: "@cf/x/y", EMBEDDINGS_DIMENSIONS: "640" };
    expect(chooseEmbedder(custom).embedder?.dimensions).toBe(640);
  });

  it("throws a CacheError naming the variable to set when misconfigured", () => {
    const openai = { ...deployed, EMBEDDINGS_BACKEND: "openai" };
    expect(thrown(openai).field).toBe("EMBEDDINGS_BASE_URL");
    expect(thrown({ ...openai, EMBEDDINGS_BASE_URL: "https://e/v1" }).field).toBe("EMBEDDINGS_MODEL");
    const noDims = { ...openai, EMBEDDINGS_BASE_URL: "https://e/v1", EMBEDDINGS_MODEL: "m" };
    expect(thrown(noDims).message).toMatch(/set EMBEDDINGS_DIMENSIONS/);
    expect(thrown({ ...noDims, EMBEDDINGS_DIMENSIONS: "-3" }).field).toBe("EMBEDDINGS_DIMENSIONS");
    expect(thrown({ ...noDims, EMBEDDINGS_BASE_URL: "not a url", EMBEDDINGS_DIMENSIONS: "3" }).field).toBe(
      "EMBEDDINGS_BASE_URL",
    );
    expect(thrown({ EMBEDDINGS_BACKEND: "local" }).field).toBe("EMBEDDER");
    expect(thrown({ EMBEDDINGS_BACKEND: "workers-ai" }).field).toBe("AI");
    expect(thrown({ EMBEDDINGS_BACKEND: "cohere" }).message).toMatch(
      /EMBEDDINGS_BACKEND="cohere".*set EMBEDDINGS_BACKEND/,
    );
    expect(thrown({ ...deployed, EMBEDDINGS_MODEL: "@cf/unknown/model" }).field).toBe(
      "EMBEDDINGS_DIMENSIONS",
    );
  });
});
