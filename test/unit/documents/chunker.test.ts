import { describe, expect, it } from "vitest";
import {
  CHARS_PER_TOKEN,
  Chunker,
  chunkText,
  estimateTokens,
  splitSentences,
} from "../../../src/documents/chunker";
import { fuseRankings } from "../../../src/documents/retrieve";

const sentence = (i: number) => `Sentence number ${i} talks about topic ${i % 7} in some detail.`;
const paragraph = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => sentence(from + i)).join(" ");

const doc = [
  "# Alpha",
  "",
  paragraph(0, 12),
  "",
  paragraph(100, 9),
  "",
  "## Beta",
  paragraph(200, 30),
  "",
  "# Gamma",
  "",
  "A short one.",
].join("\n");

describe("chunker", () => {
  it("keeps every chunk within the token budget and never mixes two sections", () => {
    const chunks = chunkText(doc, { maxTokens: 64, overlapTokens: 16 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.tokens).toBe(estimateTokens(chunk.text));
      expect(chunk.tokens).toBeLessThanOrEqual(64);
      const headings = chunk.text.split("\n").filter((line) => line.startsWith("#"));
      expect(headings).toHaveLength(1);
      expect(chunk.text.startsWith(headings[0] as string)).toBe(true);
    }
    // Section Beta's sentences only appear under its heading.
    for (const chunk of chunks.filter((c) => /Sentence number 2\d\d /.test(c.text))) {
      expect(chunk.text.startsWith("## Beta")).toBe(true);
    }
    expect(chunks.at(-1)?.text).toBe("# Gamma\n\nA short one.");
  });

  it("splits paragraphs at sentences, and overlaps consecutive chunks of a section by their last sentences", () => {
    const chunks = chunkText(doc, { maxTokens: 64, overlapTokens: 16 }).filter((c) =>
      c.text.startsWith("## Beta"),
    );
    expect(chunks.length).toBeGreaterThan(3);
    for (let i = 1; i < chunks.length; i++) {
      const previous = (chunks[i - 1] as { text: string }).text;
      const lastSentence = previous.slice(previous.lastIndexOf("Sentence number"));
      const body = (chunks[i] as { text: string }).text.replace("## Beta\n\n", "");
      expect(body.startsWith(lastSentence)).toBe(true);
      expect(lastSentence.length).toBeLessThanOrEqual(16 * CHARS_PER_TOKEN);
    }
    // Every sentence of the section is in some chunk, none is cut.
    for (let i = 200; i < 230; i++) expect(chunks.some((c) => c.text.includes(sentence(i)))).toBe(true);
  });

  it("without overlap, every sentence is in exactly one chunk", () => {
    const chunks = chunkText(doc, { maxTokens: 64, overlapTokens: 0 });
    for (let i = 200; i < 230; i++)
      expect(chunks.filter((c) => c.text.includes(sentence(i)))).toHaveLength(1);
  });

  it("puts paragraphs apart by a blank line inside a chunk, and does not start chunks on carried-over text alone", () => {
    const chunks = chunkText("First para.\n\nSecond para.\n\nThird para.", { maxTokens: 256 });
    expect(chunks).toEqual([{ text: "First para.\n\nSecond para.\n\nThird para.", tokens: 10 }]);
  });

  it("gives the same chunks however the text is split into pieces (streaming), CRLF included", () => {
    const crlf = doc.replaceAll("\n", "\r\n");
    const whole = chunkText(doc, { maxTokens: 64, overlapTokens: 16 });
    for (const size of [1, 7, 100, 4096]) {
      const chunker = new Chunker({ maxTokens: 64, overlapTokens: 16 });
      const out = [];
      for (let i = 0; i < crlf.length; i += size) out.push(...chunker.push(crlf.slice(i, i + size)));
      out.push(...chunker.end());
      expect(out).toEqual(whole);
    }
  });

  it("cuts a huge paragraph without blank lines while streaming, within the budget", () => {
    const huge = paragraph(0, 5000);
    const chunker = new Chunker({ maxTokens: 128, overlapTokens: 0 });
    const out = [];
    for (let i = 0; i < huge.length; i += 10_000) out.push(...chunker.push(huge.slice(i, i + 10_000)));
    out.push(...chunker.end());
    for (const chunk of out) expect(chunk.tokens).toBeLessThanOrEqual(128);
    expect(out.map((c) => c.text).join(" ")).toBe(huge);
  });

  it("splits a sentence longer than the budget at word boundaries", () => {
    const long = Array.from({ length: 400 }, (_, i) => `word${i}`).join(" ");
    const parts = splitSentences(long, 100);
    expect(parts.every((p) => p.length <= 100)).toBe(true);
    expect(parts.join(" ")).toBe(long);
  });

  it("splits Portuguese sentences too", () => {
    expect(splitSentences("O lucro subiu 12%. A receita caiu? Sim! Fim…", 1000)).toEqual([
      "O lucro subiu 12%.",
      "A receita caiu?",
      "Sim!",
      "Fim…",
    ]);
  });
});

describe("reciprocal rank fusion", () => {
  it("ranks what both lists found first, then by rank", () => {
    const fused = fuseRankings(
      [
        { id: "a", score: 0.9, text: "a" },
        { id: "b", score: 0.8, text: "b" },
      ],
      [
        { id: "c", score: undefined, text: "c" },
        { id: "b", score: 0.8, text: "b" },
      ],
    );
    expect(fused.map((f) => f.id)).toEqual(["b", "a", "c"]);
    expect(fused[0]).toMatchObject({ vector: true, lexical: true, similarity: 0.8 });
    expect(fused[2]).toMatchObject({ vector: false, lexical: true, similarity: null });
  });
});
