/** @module The embedder contract: one interface, one file per backend. */

/**
 * Turns texts into unit-normalised vectors. One implementation per backend (Workers AI, the bundled
 * offline encoder, the deterministic lexical hasher used in unit tests).
 */
export interface Embedder {
  /** Model identifier; vectors from different models must never be compared. */
  readonly model: string;
  /** Length of every returned vector. */
  readonly dimensions: number;
  /** Embeds each text; the i-th vector belongs to the i-th text and has unit L2 norm. */
  embed(texts: string[]): Promise<Float32Array[]>;
}
