import { describe, expect, it } from "vitest";
import {
  createThinkSplitter,
  splitThink,
  splitThinkEvents,
  type ThinkSplitterOptions,
} from "../../../src/upstream/think-splitter";
import type { UpstreamEvent } from "../../../src/upstream/types";
import { toArray } from "../../helpers/streams";

/** Runs chunks through a fresh splitter and joins the parts. */
function run(chunks: string[], options?: ThinkSplitterOptions) {
  const splitter = createThinkSplitter(options);
  let reasoning = "";
  let content = "";
  for (const chunk of [...chunks.map((c) => splitter.push(c)), splitter.flush()]) {
    reasoning += chunk.reasoning;
    content += chunk.content;
  }
  return { reasoning, content };
}

/** Every way to cut `text` into two and three chunks, plus one character per chunk. */
function splits(text: string): string[][] {
  const out: string[][] = [[...text]];
  for (let i = 0; i <= text.length; i++) {
    out.push([text.slice(0, i), text.slice(i)]);
    for (let j = i; j <= text.length; j += 3) out.push([text.slice(0, i), text.slice(i, j), text.slice(j)]);
  }
  return out;
}

describe("think splitter", () => {
  it("splits <think>…</think> at every possible chunk boundary", () => {
    const text = "<think>\nLet me see: 2 < 3.\n</think>\n\nYes, 2 is less than 3.";
    for (const chunks of splits(text)) {
      expect(run(chunks), JSON.stringify(chunks)).toEqual({
        reasoning: "Let me see: 2 < 3.",
        content: "Yes, 2 is less than 3.",
      });
    }
  });

  it("treats text before a lone </think> as reasoning (the distilled model omits <think>)", () => {
    const text = "Okay, the user wants X.\n</think>\n\nHere is X.";
    for (const chunks of splits(text)) {
      expect(run(chunks), JSON.stringify(chunks)).toEqual({
        reasoning: "Okay, the user wants X.",
        content: "Here is X.",
      });
    }
  });

  it("keeps look-alike tags in the text", () => {
    expect(splitThink("a </thin k> b </thinking> c</think>d")).toEqual({
      reasoning: "a </thin k> b </thinking> c",
      content: "d",
    });
    expect(splitThink("<thinker>x</think>y")).toEqual({ reasoning: "<thinker>x", content: "y" });
  });

  it("leaves a later <think> inside the answer untouched", () => {
    expect(splitThink("r</think>Use <think> tags like <think>this</think>.")).toEqual({
      reasoning: "r",
      content: "Use <think> tags like <think>this</think>.",
    });
  });

  it("streams reasoning before the closing tag arrives, holding back only a possible tag", () => {
    const splitter = createThinkSplitter();
    expect(splitter.push("<think>step one")).toEqual({ reasoning: "step one", content: "" });
    expect(splitter.push(" and two </thi")).toEqual({ reasoning: " and two", content: "" });
    expect(splitter.push("nk>done")).toEqual({ reasoning: "", content: "done" });
  });

  it("without any tag: reasoning by default (cut by max_tokens), content when implicitOpen is off", () => {
    expect(splitThink("still thinking when cut")).toEqual({
      reasoning: "still thinking when cut",
      content: "",
    });
    expect(splitThink("plain answer", { implicitOpen: false })).toEqual({
      reasoning: "",
      content: "plain answer",
    });
    expect(splitThink("<think>r</think>c", { implicitOpen: false })).toEqual({
      reasoning: "r",
      content: "c",
    });
  });

  it("handles empty reasoning and empty input", () => {
    expect(splitThink("<think>\n\n</think>\n\nJust the answer.")).toEqual({
      reasoning: "",
      content: "Just the answer.",
    });
    expect(splitThink("")).toEqual({ reasoning: "", content: "" });
  });
});

describe("splitThinkEvents", () => {
  it("re-shapes content deltas and flushes held-back text before done", async () => {
    async function* source(): AsyncGenerator<UpstreamEvent> {
      yield { type: "delta", content: "<think>a" };
      yield { type: "delta", content: "b</th" };
      yield { type: "delta", content: "ink>an" };
      yield { type: "delta", content: "swer" };
      yield { type: "done", finishReason: "stop", usage: null };
    }
    const events = await toArray(splitThinkEvents(source()));
    expect(events).toEqual([
      { type: "delta", reasoning: "a" },
      { type: "delta", reasoning: "b" },
      { type: "delta", content: "an" },
      { type: "delta", content: "swer" },
      { type: "done", finishReason: "stop", usage: null },
    ]);
  });
});
