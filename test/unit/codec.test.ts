import { describe, expect, it } from "vitest";
import { CorruptEntryError, decodeEntry, encodeEntry } from "../../src/cache/codec";
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
