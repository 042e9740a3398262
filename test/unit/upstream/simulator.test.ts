import { describe, expect, it } from "vitest";
import { collect } from "../../../src/upstream";
import {
  createSimulatorUpstream,
  simulateCompletion,
  stableStringify,
} from "../../../src/upstream/simulator";
import type { ChatParams, UpstreamEvent } from "../../../src/upstream/types";
import { rejectionOf, toArray } from "../../helpers/streams";
import { chatParams } from "./params";

const simulator = createSimulatorUpstream({ latencyMs: 0 });
const ask = (prompt: string, overrides: Partial<ChatParams> = {}) =>
  chatParams({ messages: [{ role: "user", content: prompt }], ...overrides });

describe("R1 simulator", () => {
  it("is R1-shaped: reasoning deltas, then content deltas, then one done with usage", async () => {
    expect(simulator).toMatchObject({ name: "simulator", reasoningFormat: "reasoning_content" });
    const events = await toArray(simulator.stream(ask("What is an order block?")));
    const kinds = events
      .map((e) => (e.type === "done" ? "done" : e.reasoning !== undefined ? "r" : "c"))
      .join("");
    expect(kinds).toMatch(/^r{10,}c{10,}done$/);
    const done = events.at(-1) as Extract<UpstreamEvent, { type: "done" }>;
    expect(done.finishReason).toBe("stop");
    expect(done.usage).toEqual({
      prompt_tokens: 5,
      completion_tokens: events.length - 1,
      total_tokens: 5 + events.length - 1,
    });
  });

  it("answers the last user prompt, with a few sentences of reasoning and answer", async () => {
    const result = await collect(simulator.stream(ask("Explique Order Blocks no trading")));
    expect(result.reasoning).toContain("Explique Order Blocks no trading");
    expect(result.content).toContain("Explique Order Blocks no trading");
    expect(result.reasoning.split(/(?<=[.!?])\s/).length).toBeGreaterThanOrEqual(3);
    expect(result.content.split(/(?<=[.!?)])\s/).length).toBeGreaterThanOrEqual(3);
  });

  it("gives byte-identical output for the same request, whatever its key order", async () => {
    const params = ask("Should I buy EUR/USD now?", { seed: 3 });
    const reordered = JSON.parse(stableStringify(params)) as ChatParams; // keys sorted: a different order
    expect(Object.keys(reordered)).not.toEqual(Object.keys(params));
    const a = JSON.stringify(await toArray(simulator.stream(params)));
    const b = JSON.stringify(await toArray(createSimulatorUpstream({ latencyMs: 0 }).stream(reordered)));
    expect(a).toBe(b);
  });

  it("gives different output for a different prompt or different parameters", async () => {
    const buy = await collect(simulator.stream(ask("Should I buy EUR/USD now?")));
    const sell = await collect(simulator.stream(ask("Should I sell EUR/USD now?")));
    const hot = await collect(simulator.stream(ask("Should I buy EUR/USD now?", { temperature: 1.2 })));
    expect(sell.content).not.toBe(buy.content);
    expect(hot.content).not.toBe(buy.content);
  });

  it("stops at max_tokens with finish reason length, counting reasoning tokens", async () => {
    const events = await toArray(simulator.stream(ask("Long question", { max_tokens: 5 })));
    expect(events).toHaveLength(6);
    expect(events.slice(0, 5).every((e) => e.type === "delta" && e.reasoning !== undefined)).toBe(true);
    expect(events[5]).toMatchObject({
      type: "done",
      finishReason: "length",
      usage: { completion_tokens: 5 },
    });
    const full = simulateCompletion(ask("Long question"));
    const all = full.reasoning.length + full.content.length;
    const exact = await collect(simulator.stream(ask("Long question", { max_tokens: all })));
    expect(exact.finishReason).toBe("stop");
    const cut = await collect(simulator.stream(ask("Long question", { max_tokens: all - 3 })));
    expect(cut.finishReason).toBe("length");
    expect(exact.content.startsWith(cut.content)).toBe(true);
    expect(cut.content.length).toBeLessThan(exact.content.length);
  });

  it("waits latencyMs before the first token", async () => {
    const order: string[] = [];
    const slow = createSimulatorUpstream({ latencyMs: 30 });
    const iterator = slow.stream(ask("hi"))[Symbol.asyncIterator]();
    const first = iterator.next().then(() => order.push("first token"));
    await new Promise((resolve) => setTimeout(resolve, 0)).then(() => order.push("timer 0 ms"));
    await first;
    expect(order).toEqual(["timer 0 ms", "first token"]);
    await iterator.return?.();
  });

  it("stops when aborted, during the latency or mid-stream", async () => {
    const early = new AbortController();
    const waiting = collect(
      createSimulatorUpstream({ latencyMs: 60_000 }).stream(ask("hi"), { signal: early.signal }),
    );
    early.abort(new Error("gone"));
    expect(await rejectionOf(waiting)).toEqual(new Error("gone"));

    const late = new AbortController();
    const seen: UpstreamEvent[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const event of simulator.stream(ask("hi"), { signal: late.signal })) {
          seen.push(event);
          if (seen.length === 3) late.abort(new Error("left mid-stream"));
        }
      })(),
    );
    expect(error).toEqual(new Error("left mid-stream"));
    expect(seen).toHaveLength(3);
  });
});
