/**
 * The gateway as real clients use it, end to end through `wrangler dev` against the stand-in
 * OpenAI servers of gateway-standins.ts: byte-for-byte forwarding, response headers, cancellation,
 * broken streams, 200-with-error, the prompt length, OpenAI-shaped errors, /v1/completions and
 * /v1/embeddings, and what is recorded after the response (counters, tokens, experiment outcomes).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "./agent-support";
import { ADMIN_TOKEN, EMBEDDING_USAGE, USAGE, metricsText, startStandInRouter, type StandInRouter } from "./gateway-standins";

let env: StandInRouter;
const url = (path: string) => `${env.router.url}${path}`;

function post(path: string, body: string | Uint8Array, init: RequestInit = {}): Promise<Response> {
  return fetch(url(path), { method: "POST", headers: { "content-type": "application/json" }, body, ...init });
}
const chat = (body: Record<string, unknown>, init: RequestInit = {}) => post("/v1/chat/completions", JSON.stringify(body), init);
const MESSAGES = [{ role: "user", content: "Say hi" }];

beforeAll(async () => {
  env = await startStandInRouter({ GATEWAY_TIMEOUT_MS: "20000" });
}, 240_000);

afterAll(async () => {
  await env?.stop();
});

describe("the node receives the client's bytes, only `model` replaced", () => {
  const cases: Array<[string, string]> = [
    ["an int64 seed beyond 2^53", '{"model":"steady","seed":9223372036854775807,"messages":[{"role":"user","content":"hi"}]}'],
    ["a top-level __proto__ key", '{"__proto__":{"polluted":true},"model":"steady","messages":[{"role":"user","content":"hi"}]}'],
    ["duplicate keys, key order and whitespace", '{ "temperature" : 0.1,\n  "messages":[{"content":"hi","role":"user"}],\t"model":"steady", "temperature":0.9 }'],
    ["unicode escapes and raw UTF-8", '{"model":"steady","messages":[{"role":"user","content":"caf\\u00e9 \\ud83d\\ude00 café 😀 \\u2028"}],"stop":["\\n"]}'],
    ["an escaped member name and numbers JS cannot hold", '{"mod\\u0065l":"steady","messages":[{"role":"user","content":"hi"}],"top_p":0.10000000000000000555,"logit_bias":{"50256":-1e400}}'],
    ["a nested `model` key left alone", '{"model":"steady","messages":[{"role":"user","content":"hi","model":"mine"}],"metadata":{"model":"x"}}'],
  ];
  for (const [name, sent] of cases) {
    it(name, async () => {
      const before = env.upstreams.healthy.received.length;
      const response = await post("/v1/chat/completions", sent);
      expect(response.status, await response.clone().text()).toBe(200);
      await response.arrayBuffer();
      const seen = env.upstreams.healthy.received[before]!;
      const at = sent.indexOf('"steady"');
      expect(seen.raw.toString("utf8")).toBe(`${sent.slice(0, at)}"test-org/steady-hf"${sent.slice(at + '"steady"'.length)}`);
    });
  }

  it("a body that is not UTF-8 is a 400 naming body, and nothing is forwarded", async () => {
    const before = env.upstreams.healthy.received.length;
    const bytes = new Uint8Array([...Buffer.from('{"model":"steady","messages":[{"role":"user","content":"'), 0xff, 0xfe, ...Buffer.from('"}]}')]);
    const response = await post("/v1/chat/completions", bytes);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ path: string }>; error: { param: string } };
    expect(body.errors[0]!.path).toBe("body");
    expect(body.error.param).toBe("body");
    expect(env.upstreams.healthy.received.length).toBe(before);
  });
});

describe("response headers pass through", () => {
  it("a 429 keeps Retry-After and x-ratelimit-*, and is not retried elsewhere", async () => {
    const response = await chat({ model: "limited", messages: MESSAGES });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(response.headers.get("x-ratelimit-limit-requests")).toBe("100");
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(response.headers.get("x-ratelimit-reset-requests")).toBe("7s");
    expect(response.headers.get("x-router-attempts")).toBe("1");
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("rate_limit_exceeded");
  });

  it("a 307 keeps Location", async () => {
    const response = await chat({ model: "steady", messages: MESSAGES, redirect: true }, { redirect: "manual" });
    expect(response.status).toBe(307);
    expect(response.headers.get("location")).toBe("http://127.0.0.1:9/elsewhere");
  });

  it("a stream keeps cache-control; hop-by-hop headers, Set-Cookie and the node's x-router-* are dropped", async () => {
    const response = await chat({ model: "steady", messages: MESSAGES, stream: true });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("99");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("x-hop")).toBeNull();
    expect(response.headers.get("x-router-node")).toBe("gw-healthy");
    expect(await response.text()).toContain("data: [DONE]");
  });
});

describe("cancellation and broken answers", () => {
  it("a client leaving a stream closes the node's stream (the node stops generating)", async () => {
    const before = env.upstreams.slow.received.length;
    const controller = new AbortController();
    const response = await chat({ model: "tardy", messages: MESSAGES, stream: true }, { signal: controller.signal });
    const reader = response.body!.getReader();
    // The first event may arrive split over several chunks; read until it is whole.
    const decoder = new TextDecoder();
    let first = "";
    while (!first.includes("\n\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      first += decoder.decode(value, { stream: true });
    }
    expect(first).toContain("slow");
    controller.abort();
    const seen = env.upstreams.slow.received[before]!;
    const aborted = await eventually(async () => seen.abortedAt, 10_000, "the router to close the node's stream");
    expect(aborted - seen.at).toBeLessThan(10_000);
    await eventually(async () => ((await metricsText(env.router)).includes('router_gateway_attempts_total{node="gw-slow",outcome="cancelled"} 1') ? true : null), 10_000, "cancelled counted");
  });

  it("a JSON body that breaks off mid-way breaks the client's response too (its Content-Length is kept)", async () => {
    const response = await chat({ model: "snappy", messages: MESSAGES });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe("500");
    await expect(response.text()).rejects.toThrow();
  });

  it("an event stream that breaks off ends with an error event and no [DONE], and counts as stream_error", async () => {
    const response = await chat({ model: "snappy", messages: MESSAGES, stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('"content":"lo"');
    expect(text).not.toContain("[DONE]");
    const last = text.trim().split("\n\n").at(-1)!;
    expect(JSON.parse(last.slice("data: ".length))).toMatchObject({ error: { type: "server_error", code: "upstream_stream_error" } });
    await eventually(async () => ((await metricsText(env.router)).includes('router_gateway_attempts_total{node="gw-resetting",outcome="stream_error"} 2') ? true : null), 10_000, "both breaks counted as stream_error");
  });

  it("a 200 whose body is an error object reaches the client as it is and counts as soft_error", async () => {
    const response = await chat({ model: "sneaky", messages: MESSAGES });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe("The model is overloaded");
    await eventually(async () => ((await metricsText(env.router)).includes('router_gateway_attempts_total{node="gw-soft",outcome="soft_error"} 1') ? true : null), 10_000, "soft_error counted");
  });
});

describe("the prompt must fit the model's context", () => {
  const long = (tokensOfHello: number) => [{ role: "user", content: "hello ".repeat(tokensOfHello) }];

  it("a short prompt may go to a model of unknown context (under default_context_length)", async () => {
    const response = await chat({ model: "auto:long", messages: MESSAGES, max_tokens: 100 });
    expect(response.headers.get("x-router-model")).toBe("no-ctx");
  });

  it("a ~120 KB prompt skips the unknown and the 4k model for the 131,072-token one", async () => {
    const response = await chat({ model: "auto:long", messages: long(20_000), max_tokens: 1000 });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-router-model")).toBe("wide-ctx");
  });

  it("when nothing fits: 400 naming messages, in both error shapes", async () => {
    const response = await chat({ model: "auto:long", messages: long(10), max_tokens: 200_000 });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { title: string; errors: Array<{ path: string }>; error: { message: string; type: string; param: string; code: string } };
    expect(body.errors.map((e) => e.path)).toEqual(["messages"]);
    expect(body.error).toMatchObject({ type: "invalid_request_error", param: "messages", code: "context_length_exceeded" });
    expect(body.error.message).toMatch(/max_tokens 200000/);
  });
});

describe("OpenAI-shaped errors", () => {
  it("404 for an unknown model: problem+json with error.message, param model, code model_not_found", async () => {
    const response = await chat({ model: "nope", messages: MESSAGES });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const body = (await response.json()) as Record<string, unknown>;
    expect(body["errors"]).toEqual([{ path: "model", message: "unknown model 'nope'" }]);
    expect(body["error"]).toEqual({ message: body["detail"], type: "not_found_error", param: "model", code: "model_not_found" });
  });

  it("502 when every attempt failed, naming the attempt, with a server_error", async () => {
    const response = await chat({ model: "broken", messages: MESSAGES });
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("server_error");
    expect(body.error.message).toContain("gw-failing 500");
    expect(JSON.stringify(body)).not.toContain("CUDA");
  });
});

describe("/v1/completions and /v1/embeddings", () => {
  it("a completion goes to the node's /v1/completions", async () => {
    const before = env.upstreams.healthy.received.length;
    const response = await post("/v1/completions", JSON.stringify({ model: "steady", prompt: "Hello", max_tokens: 5 }));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { choices: Array<{ text: string }> }).choices[0]!.text).toBe(" world");
    expect(env.upstreams.healthy.received[before]!.path).toBe("/v1/completions");
  });

  it("auto embeddings go to the embedding model's node /v1/embeddings", async () => {
    const before = env.upstreams.healthy.received.length;
    const response = await post("/v1/embeddings", JSON.stringify({ model: "auto", input: ["a", "b"] }));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-router-model")).toBe("embedder");
    const seen = env.upstreams.healthy.received[before]!;
    expect(seen.path).toBe("/v1/embeddings");
    expect(seen.raw.toString()).toBe('{"model":"test-org/embedder-hf","input":["a","b"]}');
  });

  it("chat never reaches an embedding model, embeddings never a chat model", async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ["/v1/chat/completions", { model: "embedder", messages: MESSAGES }],
      ["/v1/chat/completions", { model: "auto:embedding_code", messages: MESSAGES }],
      ["/v1/embeddings", { model: "steady", input: "x" }],
      ["/v1/embeddings", { model: "auto:chat", input: "x" }],
    ];
    for (const [path, body] of cases) {
      const response = await post(path, JSON.stringify(body));
      expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(((await response.json()) as { error: { param: string } }).error.param).toBe("model");
    }
  });

  it("an input longer than the embedding model's 512 tokens is a 400 naming input", async () => {
    const response = await post("/v1/embeddings", JSON.stringify({ model: "auto", input: ["short", "word ".repeat(600)] }));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe("input");
  });
});

describe("recorded after the response", () => {
  it("tokens from usage (JSON, the streamed usage chunk, embeddings) by model, node, client and type", async () => {
    const labels = (model: string, type: string) => `router_gateway_tokens_total{model="${model}",node="gw-healthy",client="anonymous",type="${type}"}`;
    const read = async (model: string, type: string) => {
      const line = (await metricsText(env.router)).split("\n").find((l) => l.startsWith(labels(model, type)));
      return line ? Number(line.split(" ").at(-1)) : 0;
    };
    const [prompt0, completion0, embed0] = [await read("steady", "prompt"), await read("steady", "completion"), await read("embedder", "prompt")];
    await (await chat({ model: "steady", messages: MESSAGES })).text();
    await (await chat({ model: "steady", messages: MESSAGES, stream: true, stream_options: { include_usage: true } })).text();
    await (await chat({ model: "steady", messages: MESSAGES, stream: true })).text(); // no usage chunk: no tokens
    await (await post("/v1/embeddings", JSON.stringify({ model: "embedder", input: "x" }))).text();
    await eventually(async () => ((await read("embedder", "prompt")) === embed0 + EMBEDDING_USAGE.prompt_tokens ? true : null), 10_000, "embedding tokens");
    expect(await read("steady", "prompt")).toBe(prompt0 + 2 * USAGE.prompt_tokens);
    expect(await read("steady", "completion")).toBe(completion0 + 2 * USAGE.completion_tokens);
  });

  it("an experiment's proxied requests record their outcomes themselves, once per decision id", async () => {
    const create = await fetch(url("/v1/experiments"), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ id: "gw-auto-outcomes", scope: { category: "chat" }, variants: [{ name: "steady", model: "steady" }, { name: "sneaky", model: "sneaky" }] }),
    });
    expect(create.status, await create.text()).toBe(201);
    const byVariant: Record<string, number> = {};
    let decision = "";
    for (let i = 0; i < 12; i++) {
      const response = await eventually(async () => {
        const r = await chat({ model: "auto:chat", messages: MESSAGES }, { headers: { "content-type": "application/json", "x-unit-id": `unit-${i}` } });
        return r.headers.get("x-router-experiment") === "gw-auto-outcomes" ? r : null;
      }, 10_000, "the experiment to cover chat");
      await response.text();
      const variant = response.headers.get("x-router-variant")!;
      byVariant[variant] = (byVariant[variant] ?? 0) + 1;
      decision = response.headers.get("x-router-decision-id")!;
    }
    type Report = { variants: Array<{ name: string; n: number; errors: number }> };
    const report = await eventually(async () => {
      const r = (await (await fetch(url("/v1/experiments/gw-auto-outcomes"))).json()) as Report;
      return r.variants.reduce((n, v) => n + v.n, 0) === 12 ? r : null;
    }, 15_000, "12 outcome events");
    for (const v of report.variants) {
      expect(v.n).toBe(byVariant[v.name] ?? 0);
      // sneaky's node answers 200 with an error object: every one of its outcomes is an error.
      expect(v.errors).toBe(v.name === "sneaky" ? v.n : 0);
    }
    // The decision id is the event id: the same outcome posted again is a duplicate.
    const again = await fetch(url("/v1/experiments/gw-auto-outcomes/events"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ event_id: decision, variant: report.variants[0]!.name, latency_ms: 1, error: false }),
    });
    expect(((await again.json()) as { duplicate: boolean }).duplicate).toBe(true);
  });
});
