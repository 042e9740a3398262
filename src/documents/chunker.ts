/**
 * @module Hierarchical chunking of documents for context expansion: sections (Markdown headings), then
 * paragraphs (blank lines), then sentences, packed greedily into chunks of at most `maxTokens`, each
 * starting with the last sentences of the one before it (`overlapTokens`) and with its section's
 * heading. Incremental: text is pushed in pieces as it is read, so a 10 MB document never sits in
 * memory whole; the chunks of a document are the same however it is split into pieces.
 */

/** Characters per token of the estimate (BPE tokenizers average about 4 for English and Portuguese). */
export const CHARS_PER_TOKEN = 4;
/** Chunk size. @default 256 */
export const DEFAULT_CHUNK_TOKENS = 256;
/** Overlap between consecutive chunks of a section. @default 32 */
export const DEFAULT_OVERLAP_TOKENS = 32;
/** Bounds of `chunk_tokens` a client may ask for. */
export const MIN_CHUNK_TOKENS = 32;
export const MAX_CHUNK_TOKENS = 2_048;
/**
 * A buffered run of text without a blank line is cut at a sentence or word boundary past this size,
 * so one huge paragraph cannot hold the whole document in the buffer.
 */
const MAX_BUFFER_CHARS = 64 * 1024;

/** The estimated tokens of `text`. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export interface ChunkOptions {
  /** @default 256 */
  maxTokens?: number;
  /** Must be below half of `maxTokens`. @default 32 */
  overlapTokens?: number;
}

/** One chunk of a document. */
export interface Chunk {
  text: string;
  tokens: number;
}

interface Unit {
  text: string;
  /** Starts a paragraph (joined by a blank line, not a space). */
  paragraph: boolean;
  /** Carried over from the previous chunk. */
  overlap: boolean;
}

const HEADING = /^#{1,6}\s+\S/;
// After sentence-ending punctuation (optionally closed by a quote or bracket) and before whitespace.
const SENTENCE_END = /(?<=[.!?…。][)"'’”\]]?)\s+/u;

/** Splits text into sentences, and sentences longer than `maxChars` at word (or character) boundaries. */
export function splitSentences(text: string, maxChars: number): string[] {
  const out: string[] = [];
  for (const sentence of text.split(SENTENCE_END)) {
    const s = sentence.trim();
    if (!s) continue;
    if (s.length <= maxChars) {
      out.push(s);
      continue;
    }
    let rest = s;
    while (rest.length > maxChars) {
      const space = rest.lastIndexOf(" ", maxChars);
      const cut = space > maxChars / 2 ? space : maxChars;
      out.push(rest.slice(0, cut).trim());
      rest = rest.slice(cut).trim();
    }
    if (rest) out.push(rest);
  }
  return out;
}

/** Splits pushed text into chunks as it arrives; {@link Chunker.end} flushes the rest. */
export class Chunker {
  readonly #maxChars: number;
  readonly #overlapChars: number;
  #buffer = "";
  #heading = "";
  #units: Unit[] = [];
  /** The buffer was cut inside a paragraph: its next unit continues it. */
  #midParagraph = false;

  constructor(options: ChunkOptions = {}) {
    const maxTokens = options.maxTokens ?? DEFAULT_CHUNK_TOKENS;
    const overlap = Math.min(options.overlapTokens ?? DEFAULT_OVERLAP_TOKENS, Math.floor(maxTokens / 2) - 1);
    this.#maxChars = maxTokens * CHARS_PER_TOKEN;
    this.#overlapChars = Math.max(0, overlap) * CHARS_PER_TOKEN;
  }

  /** Adds the next piece of the document; returns the chunks it completed. */
  push(text: string): Chunk[] {
    let pending = this.#buffer + text;
    // A CR at the end may be the first half of a CRLF split across pieces: keep it for the next one.
    const tail = pending.endsWith("\r") ? "\r" : "";
    if (tail) pending = pending.slice(0, -1);
    pending = pending.replace(/\r\n?/g, "\n");
    const out: Chunk[] = [];
    const blank = pending.lastIndexOf("\n\n");
    if (blank >= 0) {
      this.#paragraphs(pending.slice(0, blank), out);
      pending = pending.slice(blank + 2);
    }
    if (pending.length > MAX_BUFFER_CHARS) {
      const cut = cutPoint(pending, MAX_BUFFER_CHARS / 2);
      this.#paragraphs(pending.slice(0, cut), out);
      this.#midParagraph = true;
      pending = pending.slice(cut);
    }
    this.#buffer = pending + tail;
    return out;
  }

  /** Flushes what is left; the chunker is spent afterwards. */
  end(): Chunk[] {
    const out: Chunk[] = [];
    this.#paragraphs(this.#buffer.replace(/\r\n?/g, "\n"), out);
    this.#buffer = "";
    this.#emit(out);
    return out;
  }

  #paragraphs(text: string, out: Chunk[]): void {
    for (const paragraph of text.split(/\n[ \t]*\n/)) {
      let block: string[] = [];
      const flushBlock = () => {
        const joined = block.join("\n").trim();
        block = [];
        if (!joined) return;
        const continues = this.#midParagraph;
        this.#midParagraph = false;
        for (const [i, sentence] of splitSentences(joined, this.#budget()).entries()) {
          this.#add({ text: sentence, paragraph: i === 0 && !continues, overlap: false }, out);
        }
      };
      for (const line of paragraph.split("\n")) {
        if (HEADING.test(line.trimStart())) {
          flushBlock();
          this.#emit(out);
          this.#heading = line.trim().slice(0, this.#maxChars / 4);
          this.#units = [];
          this.#midParagraph = false;
        } else block.push(line);
      }
      flushBlock();
    }
  }

  /** Characters left for the body once the heading is in. */
  #budget(): number {
    return Math.max(CHARS_PER_TOKEN * 8, this.#maxChars - (this.#heading ? this.#heading.length + 2 : 0));
  }

  #add(unit: Unit, out: Chunk[]): void {
    const fresh = this.#units.some((u) => !u.overlap);
    if (fresh && bodyLength([...this.#units, unit]) > this.#budget()) this.#emit(out);
    this.#units.push(unit);
  }

  /** Emits the current chunk (if it holds anything new) and keeps its tail as the next one's overlap. */
  #emit(out: Chunk[]): void {
    if (!this.#units.some((u) => !u.overlap)) return;
    const body = joinUnits(this.#units);
    const text = this.#heading ? `${this.#heading}\n\n${body}` : body;
    out.push({ text, tokens: estimateTokens(text) });
    const carried: Unit[] = [];
    for (let i = this.#units.length - 1; i > 0; i--) {
      const unit = this.#units[i] as Unit;
      if (bodyLength([unit, ...carried]) > this.#overlapChars) break;
      carried.unshift({ ...unit, overlap: true });
    }
    this.#units = carried;
  }
}

function joinUnits(units: readonly Unit[]): string {
  return units.map((u, i) => (i === 0 ? u.text : `${u.paragraph ? "\n\n" : " "}${u.text}`)).join("");
}

function bodyLength(units: readonly Unit[]): number {
  return units.reduce((n, u, i) => n + u.text.length + (i === 0 ? 0 : u.paragraph ? 2 : 1), 0);
}

/** Where to cut a long run of text: after its last sentence end past `min`, else its last space, else `min`. */
function cutPoint(text: string, min: number): number {
  let best = -1;
  for (const match of text.matchAll(/[.!?…。]\s+/gu)) {
    const end = match.index + match[0].length;
    if (end >= min) best = end;
  }
  if (best > 0) return best;
  const space = text.lastIndexOf(" ");
  return space >= min ? space + 1 : text.length;
}

/** Chunks a whole text at once (tests, knowledge-base documents). */
export function chunkText(text: string, options: ChunkOptions = {}): Chunk[] {
  const chunker = new Chunker(options);
  return [...chunker.push(text), ...chunker.end()];
}
