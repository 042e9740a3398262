import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../../src/env";
import { CacheError } from "../../../src/errors";
import { collect, createUpstream, resolveUpstreamKind } from "../../../src/upstream";
import type { UpstreamEvent } from "../../../src/upstream/types";
import { FAKE_UPSTREAM_URL, type FakeUpstream, fake, installFakeUpstream } from "../../helpers/fake-upstream";
import { rejectionOf, streamOf } from "../../helpers/streams";
import { chatParams } from "./params";

/** The test worker's env without the upstream choices, plus `vars`. */
function makeEnv(vars: Partial<Env> = {}): Env {
  return {
    ...(env as Env),
    R1_UPSTREAM: "",
    LOCAL_DEV: undefined,
    DEEPSEEK_API_KEY: undefined,
    OPENAI_BASE_URL: undefined,
    ...vars,
  };
}

const errorOf = (fn: () => unknown): CacheError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof CacheError) return error;
    throw error;
  }
  throw new Error("expected a CacheError");
};

let upstream: FakeUpstream | undefined;
afterEach(() => upstream?.restore());

describe("resolveUpstreamKind", () => {
  it("follows R1_UPSTREAM, else deepseek with a key, else the simulator in local dev, else workers-ai", () => {
    expect(resolveUpstreamKind(makeEnv({ R1_UPSTREAM: " OpenAI " }))).toBe("openai");
    expect(resolveUpstreamKind(makeEnv({ DEEPSEEK_API_KEY: "sk-x", LOCAL_DEV: "1" }))).toBe("deepseek");
    expect(resolveUpstreamKind(makeEnv({ LOCAL_DEV: "1" }))).toBe("simulator");
    expect(resolveUpstreamKind(makeEnv())).toBe("workers-ai");
    expect(errorOf(() => resolveUpstreamKind(makeEnv({ R1_UPSTREAM: "gpt" }))).message).toContain(
      "R1_UPSTREAM",
    );
  });
});

describe("createUpstream", () => {
  it("says which variable or secret to set when misconfigured", () => {
    expect(errorOf(() => createUpstream(makeEnv({ R1_UPSTREAM: "openai" }))).message).toContain(
      "OPENAI_BASE_URL",
    );
    expect(errorOf(() => createUpstream(makeEnv({ R1_UPSTREAM: "deepseek" }))).message).toContain(
      "DEEPSEEK_API_KEY",
    );
    const badTimeout = makeEnv({ LOCAL_DEV: "1", UPSTREAM_TIMEOUT_MS: "soon" });
    expect(errorOf(() => createUpstream(badTimeout)).message).toContain("UPSTREAM_TIMEOUT_MS");
    const noAi = makeEnv({ R1_UPSTREAM: "workers-ai", AI: undefined as unknown as Ai });
    expect(errorOf(() => createUpstream(noAi)).message).toContain("AI binding");
  });

  it("builds the simulator from R1_SIMULATOR_LATENCY_MS", async () => {
    const sim = createUpstream(makeEnv({ LOCAL_DEV: "1", R1_SIMULATOR_LATENCY_MS: "0" }));
    expect(sim.name).toBe("simulator");
    expect((await collect(sim.stream(chatParams()))).content).toContain("O que são Order Blocks?");
  });

  it("builds an OpenAI-compatible client from OPENAI_* and UPSTREAM_RETRIES", async () => {
    upstream = installFakeUpstream({
      behaviours: [fake.status(500), fake.status(500), fake.ok({ content: "yes" })],
    });
    const vars = {
      R1_UPSTREAM: "openai",
      OPENAI_BASE_URL: FAKE_UPSTREAM_URL,
      OPENAI_API_KEY: "sk-o",
      OPENAI_MODEL: "r1",
    };
    const openai = createUpstream(makeEnv({ ...vars, UPSTREAM_RETRIES: "2" }), { baseDelayMs: 1 });
    expect((await collect(openai.stream(chatParams()))).content).toBe("yes");
    expect(upstream.calls.count).toBe(3);
    expect(upstream.calls.bodies[2]?.model).toBe("r1");
    expect(upstream.calls.requests[2]?.headers.authorization).toBe("Bearer sk-o");

    upstream.enqueue(fake.status(500));
    const noRetry = createUpstream(makeEnv({ ...vars, UPSTREAM_RETRIES: "0" }));
    expect(await rejectionOf(collect(noRetry.stream(chatParams())))).toMatchObject({ upstreamStatus: 500 });
    expect(upstream.calls.count).toBe(4);
  });

  it("builds DeepSeek from DEEPSEEK_API_KEY and DEEPSEEK_BASE_URL", async () => {
    upstream = installFakeUpstream();
    const deepseek = createUpstream(
      makeEnv({ DEEPSEEK_API_KEY: "sk-d", DEEPSEEK_BASE_URL: FAKE_UPSTREAM_URL }),
    );
    expect(deepseek.name).toBe("deepseek");
    await collect(deepseek.stream(chatParams()));
    expect(upstream.calls.bodies[0]?.model).toBe("deepseek-reasoner");
  });

  it("builds Workers AI on the AI binding with WORKERS_AI_MODEL", async () => {
    const run = vi.fn(async () => streamOf(['data: {"response":"r</think>c"}\n\n', "data: [DONE]\n\n"]));
    const ai = { run } as unknown as Ai;
    const workersAi = createUpstream(
      makeEnv({ R1_UPSTREAM: "workers-ai", AI: ai, WORKERS_AI_MODEL: "@cf/x/y" }),
    );
    expect(await collect(workersAi.stream(chatParams()))).toMatchObject({ reasoning: "r", content: "c" });
    expect(run.mock.calls[0]).toContain("@cf/x/y");
  });
});

describe("collect", () => {
  async function* events(...list: UpstreamEvent[]): AsyncGenerator<UpstreamEvent> {
    yield* list;
  }

  it("joins reasoning and content and returns the done's finish reason and usage", async () => {
    const usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };
    const result = await collect(
      events(
        { type: "delta", reasoning: "a" },
        { type: "delta", reasoning: "b", content: "c" },
        { type: "delta", content: "d" },
        { type: "done", finishReason: "stop", usage },
      ),
    );
    expect(result).toEqual({ reasoning: "ab", content: "cd", finishReason: "stop", usage });
  });

  it("throws upstream_truncated for a stream without done", async () => {
    const error = await rejectionOf(collect(events({ type: "delta", content: "half" })));
    expect(error).toMatchObject({ code: "upstream_truncated" });
  });
});
