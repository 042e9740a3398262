import { describe, expect, it } from "vitest";
import { CacheError } from "../../../src/errors";
import { parseSse, readText } from "../../../src/upstream/sse";
import { rejectionOf, silentAfter, streamOf, toArray } from "../../helpers/streams";

const parse = (chunks: Array<string | Uint8Array>) => toArray(parseSse(streamOf(chunks)));

describe("parseSse", () => {
  it("yields the data of each event", async () => {
    expect(await parse(['data: {"a":1}\n\ndata: {"b":2}\n\n'])).toEqual(['{"a":1}', '{"b":2}']);
  });

  it("gives the same events whatever the chunk boundaries", async () => {
    const text =
      'data: {"x":"one"}\r\n\r\n: keep-alive\n\nevent: message\ndata: two\ndata: lines\n\ndata: [DONE]\n\n';
    const expected = ['{"x":"one"}', "two\nlines", "[DONE]"];
    for (let i = 0; i <= text.length; i++) {
      expect(await parse([text.slice(0, i), text.slice(i)]), `split at ${i}`).toEqual(expected);
    }
    expect(await parse([...text])).toEqual(expected);
  });

  it("handles \\r\\n, \\r and \\n line ends, and a \\r\\n split between chunks", async () => {
    expect(await parse(["data: a\r\n\r\ndata: b\r\rdata: c\n\n"])).toEqual(["a", "b", "c"]);
    expect(await parse(["data: a\r", "\n\r", "\ndata: b\r", "\r"])).toEqual(["a", "b"]);
  });

  it("ignores comments, keep-alives, other fields and events without data", async () => {
    const events = await parse([": ping\n\nid: 7\nretry: 100\n\nevent: x\ndata: real\n\n:\n\n"]);
    expect(events).toEqual(["real"]);
  });

  it("strips one space after the colon only, and accepts data without a colon", async () => {
    expect(await parse(["data:tight\n\ndata:  two spaces\n\ndata\n\n"])).toEqual([
      "tight",
      " two spaces",
      "",
    ]);
  });

  it("decodes UTF-8 characters split across chunks", async () => {
    const bytes = new TextEncoder().encode('data: {"t":"Ação – 注文"}\n\n');
    const events = await parse([bytes.slice(0, 15), bytes.slice(15, 16), bytes.slice(16)]);
    expect(events).toEqual(['{"t":"Ação – 注文"}']);
  });

  it("stops at [DONE] and cancels the rest of the body", async () => {
    const body = streamOf(["data: a\n\ndata: [DONE]\n\n", "data: after\n\n"]);
    expect(await toArray(parseSse(body))).toEqual(["a", "[DONE]"]);
    expect(body.cancelled()).toBe(true);
  });

  it("drops an unterminated last event, but accepts a bare final [DONE]", async () => {
    expect(await parse(['data: {"a":1}\n\ndata: {"cut'])).toEqual(['{"a":1}']);
    expect(await parse(["data: a\n\ndata: [DONE]"])).toEqual(["a", "[DONE]"]);
    expect(await parse(["data: a\n\ndata: [DONE]\n"])).toEqual(["a", "[DONE]"]);
  });

  it("cancels the body when the consumer stops early", async () => {
    const body = streamOf(["data: a\n\n", "data: b\n\n"]);
    for await (const data of parseSse(body)) {
      expect(data).toBe("a");
      break;
    }
    expect(body.cancelled()).toBe(true);
  });

  it("fails with upstream_timeout when the body goes idle", async () => {
    const events: string[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const data of parseSse(silentAfter(["data: a\n\n"]), { idleTimeoutMs: 20 }))
          events.push(data);
      })(),
    );
    expect(events).toEqual(["a"]);
    expect(error).toBeInstanceOf(CacheError);
    expect((error as CacheError).code).toBe("upstream_timeout");
  });

  it("rejects with the abort reason when the signal aborts", async () => {
    const controller = new AbortController();
    const reading = toArray(parseSse(silentAfter([]), { signal: controller.signal }));
    controller.abort(new Error("client left"));
    expect(await rejectionOf(reading)).toEqual(new Error("client left"));
  });
});

describe("readText", () => {
  it("reads a whole body and times out when idle", async () => {
    expect(await readText(streamOf(['{"a":', "1}"]))).toBe('{"a":1}');
    const error = await rejectionOf(readText(silentAfter(["{"]), { idleTimeoutMs: 10 }));
    expect((error as CacheError).code).toBe("upstream_timeout");
  });
});
