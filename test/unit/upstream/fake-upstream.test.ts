import { afterEach, describe, expect, it, vi } from "vitest";
import { FAKE_UPSTREAM_URL, type FakeUpstream, fake, installFakeUpstream } from "../../helpers/fake-upstream";
import { rejectionOf } from "../../helpers/streams";

const post = (body: object, signal?: AbortSignal) =>
  fetch(`${FAKE_UPSTREAM_URL}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
const request = { model: "m", messages: [{ role: "user", content: "Ping?" }] };

let upstream: FakeUpstream | undefined;
afterEach(() => upstream?.restore());

describe("fake upstream helper", () => {
  it("answers JSON when stream is false, and records the calls", async () => {
    upstream = installFakeUpstream();
    const reply = (await (await post(request)).json()) as {
      choices: Array<{ message: { content: string; reasoning_content: string } }>;
    };
    expect(reply.choices[0]?.message).toMatchObject({
      content: 'Fake answer to "Ping?".',
      reasoning_content: 'Fake reasoning about "Ping?".',
    });
    expect(upstream.calls.count).toBe(1);
    expect(upstream.calls.bodies).toEqual([request]);
  });

  it("streams SSE with reasoning_content, finish_reason, usage and [DONE]", async () => {
    upstream = installFakeUpstream({ behaviours: [fake.ok({ reasoning: "r", content: "c" })] });
    const res = await post({ ...request, stream: true, stream_options: { include_usage: true } });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const text = await res.text();
    expect(text).toContain('"reasoning_content":"r"');
    expect(text).toContain('"finish_reason":"stop"');
    expect(text).toContain('"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}');
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
  });

  it("serves scripted statuses, truncations and hangs in order, then the fallback", async () => {
    upstream = installFakeUpstream({
      behaviours: [fake.status(429, { error: "busy" }, { "retry-after": "1" }), fake.truncate(), fake.hang()],
    });
    const limited = await post(request);
    expect([limited.status, limited.headers.get("retry-after"), await limited.text()]).toEqual([
      429,
      "1",
      '{"error":"busy"}',
    ]);
    const cut = await (await post({ ...request, stream: true })).text();
    expect(cut).not.toContain('finish_reason":"stop');
    expect(cut).not.toContain("[DONE]");
    const controller = new AbortController();
    const hanging = post(request, controller.signal);
    controller.abort(new Error("enough"));
    expect(await rejectionOf(hanging)).toEqual(new Error("enough"));
    expect((await post(request)).status).toBe(200);
    expect(upstream.calls.count).toBe(4);
  });

  it("accepts a function of the call, and passes other URLs to the original fetch", async () => {
    const original = vi
      .spyOn(globalThis, "fetch")
      .mockImplementation(async () => new Response("from the original fetch"));
    upstream = installFakeUpstream({
      behaviours: (call, index) => fake.status(400 + index, { model: call.body.model }),
    });
    expect((await post(request)).status).toBe(400);
    expect(await (await post(request)).json()).toEqual({ model: "m" });
    expect((await fetch(`${FAKE_UPSTREAM_URL}/elsewhere`)).status).toBe(404);
    expect(await (await fetch("https://example.com/")).text()).toBe("from the original fetch");
    expect(original).toHaveBeenCalledTimes(1);
    upstream.restore();
    expect(await (await post(request)).text()).toBe("from the original fetch");
    original.mockRestore();
    upstream = undefined;
  });
});
