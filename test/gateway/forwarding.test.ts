/**
 * The pure parts of forwarding: the `model` splice (byte-faithful, checked on random JSON), which
 * response headers pass, reading usage and error bodies, and the prompt-token bound.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { modelSpans, withModel } from "../../src/gateway/body";
import { answerHeaders } from "../../src/gateway/headers";
import { promptItems, promptTokenBound, utf8Length } from "../../src/gateway/prompt";
import { SseReader, readJsonAnswer, usageFromTail } from "../../src/gateway/usage";

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("withModel", () => {
  it("on random JSON objects, changes exactly the top-level model value and no other byte", () => {
    const value = fc.jsonValue({ maxDepth: 3 });
    const spacing = fc.constantFrom("", " ", "\n  ", "\t");
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value, { maxKeys: 6 }), fc.string(), fc.nat(), spacing, (rest, model, at, space) => {
        const entries = Object.entries(rest).filter(([k]) => k !== "model").map(([k, v]) => `${JSON.stringify(k)}:${space}${JSON.stringify(v)}`);
        const position = at % (entries.length + 1);
        const sent = `{${space}${[...entries.slice(0, position), `"model":${space}${JSON.stringify(model)}`, ...entries.slice(position)].join(`,${space}`)}${space}}`;
        const out = decode(withModel({ text: sent, spans: modelSpans(sent) }, "org/served"));
        const modelAt = sent.indexOf(`"model":${space}${JSON.stringify(model)}`) + `"model":${space}`.length;
        expect(out).toBe(`${sent.slice(0, modelAt)}"org/served"${sent.slice(modelAt + JSON.stringify(model).length)}`);
        expect(JSON.parse(out)).toEqual({ ...JSON.parse(sent), model: "org/served" });
      }),
      { numRuns: 300 },
    );
  });

  it("replaces every duplicated top-level model, leaves nested ones, finds an escaped member name", () => {
    const sent = '{"mod\\u0065l":"a","x":{"model":"b"},"y":[{"model":"c"}],"model" : "d"}';
    expect(decode(withModel({ text: sent, spans: modelSpans(sent) }, "s"))).toBe('{"mod\\u0065l":"s","x":{"model":"b"},"y":[{"model":"c"}],"model" : "s"}');
  });

  it("leaves a body without model untouched", () => {
    const sent = '{"seed":9223372036854775807}';
    expect(decode(withModel({ text: sent, spans: modelSpans(sent) }, "s"))).toBe(sent);
  });
});

describe("answerHeaders", () => {
  it("passes the node's headers but hop-by-hop ones (and those Connection names), Set-Cookie and x-router-*", () => {
    const upstream = new Headers({
      "retry-after": "7",
      "x-ratelimit-remaining-tokens": "0",
      location: "/x",
      "cache-control": "no-cache",
      connection: "keep-alive, x-private",
      "x-private": "1",
      "keep-alive": "timeout=5",
      "proxy-connection": "keep-alive",
      te: "trailers",
      upgrade: "h2c",
      "set-cookie": "a=b",
      "x-router-node": "spoofed",
    });
    const out = answerHeaders(upstream, { "x-router-node": "real" });
    expect(Object.fromEntries(out)).toEqual({ "retry-after": "7", "x-ratelimit-remaining-tokens": "0", location: "/x", "cache-control": "no-cache", "x-router-node": "real" });
  });
});

describe("usage", () => {
  it("reads a JSON answer's usage and an error object", () => {
    expect(readJsonAnswer('{"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}')).toEqual({ usage: { prompt_tokens: 3, completion_tokens: 2 }, error: false });
    expect(readJsonAnswer('{"error":{"message":"x"}}')).toEqual({ usage: null, error: true });
    expect(readJsonAnswer('{"object":"error","message":"x"}').error).toBe(true);
    expect(readJsonAnswer("not json")).toEqual({ usage: null, error: false });
  });

  it("reads the usage from the tail of a large answer", () => {
    expect(usageFromTail('0.1,0.2]}],"model":"m","usage":{"prompt_tokens":7,"total_tokens":7,"prompt_tokens_details":null}}')).toEqual({ prompt_tokens: 7, completion_tokens: 0 });
    expect(usageFromTail("0.1,0.2]}]}")).toBeNull();
  });

  it("follows an event stream across chunk boundaries: [DONE], the last usage, error events", () => {
    const reader = new SseReader();
    const text = 'data: {"choices":[],"usage":null}\n\ndata: {"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":9}}\r\n\r\ndata: [DONE]\n\n';
    const bytes = new TextEncoder().encode(text);
    for (let i = 0; i < bytes.length; i += 7) reader.push(bytes.subarray(i, i + 7));
    reader.end();
    expect(reader).toMatchObject({ done: true, error: false, usage: { prompt_tokens: 4, completion_tokens: 9 } });
    const broken = new SseReader();
    broken.push(new TextEncoder().encode('data: {"error":{"message":"oom"}}\n\n'));
    broken.end();
    expect(broken).toMatchObject({ done: false, error: true });
  });
});

describe("prompt tokens", () => {
  it("the free bound is UTF-8 bytes plus template tokens, the largest item of a batch", () => {
    expect(utf8Length("aé€😀")).toBe(1 + 2 + 3 + 4);
    const chat = promptItems({ kind: "chat", body: { model: "m", messages: [{ role: "user", content: "hello" }] } });
    expect(promptTokenBound(chat)).toBe(4 + 5 + 8 + 4);
    expect(promptTokenBound(promptItems({ kind: "embedding", body: { model: "m", input: ["ab", "abcdef"] } }))).toBe(6);
    expect(promptTokenBound(promptItems({ kind: "completion", body: { model: "m", prompt: [[1, 2, 3], [4]] } }))).toBe(3);
  });

  it("counts special-token text as plain bytes, and a batch by its largest input", () => {
    const items = promptItems({ kind: "completion", body: { model: "m", prompt: ["<|endoftext|>", "a"] } });
    expect(promptTokenBound(items)).toBe("<|endoftext|>".length);
    expect(promptTokenBound(promptItems({ kind: "chat", body: { model: "m", messages: [{ role: "user", content: null, tool_calls: [{ id: "1" }] }], tools: [{ type: "function" }] } }))).toBe(
      4 + JSON.stringify([{ id: "1" }]).length + JSON.stringify([{ type: "function" }]).length + 8 + 4,
    );
  });
});
