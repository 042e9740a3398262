import { describe, expect, it } from "vitest";
import {
  CorruptEntryError,
  compress,
  decodeEntry,
  decompress,
  encodeEntry,
  smallestEncoding,
} from "../../src/cache/codec";
import { makeEntry } from "../contract/tier-contract";

describe("codec", () => {
  it("stores small entries plain in auto mode and large compressible ones gzipped", async () => {
    const small = await encodeEntry(makeEntry({}, 10));
    expect(small.meta.codec).toBe("none");
    const large = await encodeEntry(makeEntry({}, 20_000));
    expect(large.meta.codec).toBe("gzip");
    expect(large.meta.storedSize).toBeLessThan(large.meta.size / 10);
  });

  it("keeps incompressible bodies plain in auto mode, measuring the ratio", async () => {
    const random = crypto.getRandomValues(new Uint8Array(6000));
    const noisy = makeEntry({ content: btoa(String.fromCharCode(...random)) }, 0);
    const stored = await encodeEntry(noisy, { mode: "auto", thresholdBytes: 1024, maxRatio: 0.5 });
    expect(stored.meta.codec).toBe("none");
  });

  it.each(["none", "gzip", "deflate"] as const)("round-trips with codec %s", async (mode) => {
    const entry = makeEntry({}, 3000);
    const stored = await encodeEntry(entry, { mode });
    expect(stored.meta.codec).toBe(mode);
    expect(await decodeEntry(stored)).toEqual(entry);
  });

  it("rejects a body that fails its checksum", async () => {
    const stored = await encodeEntry(makeEntry({}, 100), { mode: "none" });
    const tampered = stored.body.slice();
    tampered.set([(tampered.at(-3) ?? 0) ^ 1], tampered.length - 3);
    await expect(decodeEntry({ ...stored, body: tampered })).rejects.toBeInstanceOf(CorruptEntryError);
  });

  it("rejects a compressed body that no longer decompresses", async () => {
    const stored = await encodeEntry(makeEntry({}, 5000), { mode: "gzip" });
    await expect(decodeEntry({ ...stored, body: stored.body.slice(0, 20) })).rejects.toBeInstanceOf(
      CorruptEntryError,
    );
  });
});

describe("smallestEncoding (the optimize job's choice)", () => {
  const text = new TextEncoder().encode(
    "An order block is a zone where large orders were placed. ".repeat(60),
  );

  it("picks the smallest codec the mode allows, and every choice decodes back to the same bytes", async () => {
    const auto = await smallestEncoding(text);
    const gzip = await compress(text, "gzip");
    expect(auto.codec).toBe("deflate");
    expect(auto.body.byteLength).toBeLessThan(gzip.byteLength);
    expect(await decompress(auto.body, auto.codec)).toEqual(text);
    const fixed = await smallestEncoding(text, { mode: "gzip" });
    expect([fixed.codec, fixed.body.byteLength]).toEqual(["gzip", gzip.byteLength]);
    expect(await decompress(fixed.body, "gzip")).toEqual(text);
  });

  it("keeps small or incompressible bodies plain in auto mode, and everything plain in mode none", async () => {
    expect((await smallestEncoding(text.slice(0, 500))).codec).toBe("none");
    const noise = crypto.getRandomValues(new Uint8Array(4096));
    expect(await smallestEncoding(noise)).toEqual({ codec: "none", body: noise });
    expect((await smallestEncoding(text, { mode: "none" })).codec).toBe("none");
  });
});
