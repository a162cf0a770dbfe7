/**
 * The gateway through the official `openai` npm client, pointed at `wrangler dev` with
 * CLIENT_KEYS set, against the stand-in servers of gateway-standins.ts: chat, streamed chat (with
 * the usage chunk), completions, embeddings, an aborted request, errors whose message the SDK
 * surfaces, and a broken stream the SDK raises. Tokens are labelled with the client key's hash.
 */
import { createHash } from "node:crypto";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "./agent-support";
import { EMBEDDING_USAGE, USAGE, metricsText, startStandInRouter, type StandInRouter } from "./gateway-standins";

const CLIENT_KEY = "gw-openai-client-key-0001";
let env: StandInRouter;
let client: OpenAI;
const MESSAGES = [{ role: "user" as const, content: "Say hi" }];

beforeAll(async () => {
  env = await startStandInRouter({ CLIENT_KEYS: CLIENT_KEY, GATEWAY_TIMEOUT_MS: "20000" });
  client = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${env.router.url}/v1`, maxRetries: 0, timeout: 30_000 });
}, 240_000);

afterAll(async () => {
  await env?.stop();
});

describe("the official openai client", () => {
  it("chat: the completion, its usage, and the router's headers", async () => {
    const { data, response } = await client.chat.completions.create({ model: "auto:chat", messages: MESSAGES }).withResponse();
    expect(data.choices[0]!.message.content).toBe("Hello");
    expect(data.model).toBe("test-org/steady-hf");
    expect(data.usage).toEqual(USAGE);
    expect(response.headers.get("x-router-model")).toBe("steady");
  });

  it("streamed chat, with the final usage chunk", async () => {
    const stream = await client.chat.completions.create({ model: "steady", messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: unknown = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("Hello");
    expect(usage).toEqual(USAGE);
  });

  it("completions and embeddings", async () => {
    const completion = await client.completions.create({ model: "steady", prompt: "Hello", max_tokens: 5 });
    expect(completion.choices[0]!.text).toBe(" world");
    const embedding = await client.embeddings.create({ model: "auto", input: "hello", encoding_format: "float" });
    expect(embedding.data[0]!.embedding).toEqual([0.1, -0.2, 0.3]);
    expect(embedding.usage).toEqual(EMBEDDING_USAGE);
  });

  it("tokens are counted under the client key's hash, never the key", async () => {
    const label = createHash("sha256").update(CLIENT_KEY).digest("hex").slice(0, 12);
    const text = await eventually(async () => {
      const t = await metricsText(env.router);
      return t.includes(`router_gateway_tokens_total{model="embedder",node="gw-healthy",client="${label}",type="prompt"}`) ? t : null;
    }, 10_000, "tokens under the client's label");
    expect(text).toContain(`router_gateway_tokens_total{model="steady",node="gw-healthy",client="${label}",type="completion"}`);
    expect(text).not.toContain(CLIENT_KEY);
  });

  it("an aborted request stops the client's stream, and the node's stream is closed", async () => {
    const before = env.upstreams.slow.received.length;
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: "tardy", messages: MESSAGES, stream: true }, { signal: controller.signal });
    let chunks = 0;
    // The SDK ends the iteration quietly on its own abort.
    for await (const chunk of stream) {
      chunks++;
      if (chunk.choices[0]?.delta.content) controller.abort();
    }
    expect(chunks).toBeLessThan(5);
    const seen = env.upstreams.slow.received[before]!;
    await eventually(async () => seen.abortedAt, 10_000, "the router to close the node's stream");
  });

  it("errors: the SDK surfaces the router's message, status, param and code", async () => {
    const notFound = await client.chat.completions.create({ model: "no-such-model", messages: MESSAGES }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    const error = notFound as InstanceType<typeof OpenAI.NotFoundError>;
    expect(error.status).toBe(404);
    expect(error.message).toContain("unknown model 'no-such-model'");
    expect(error.param).toBe("model");
    expect(error.code).toBe("model_not_found");

    const tooLong = await client.chat.completions.create({ model: "auto:long", messages: MESSAGES, max_tokens: 500_000 }).catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(OpenAI.BadRequestError);
    expect((tooLong as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("context_length_exceeded");

    const unauthorized = await new OpenAI({ apiKey: "wrong-key", baseURL: `${env.router.url}/v1`, maxRetries: 0 }).models.list().catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((unauthorized as Error).message).toContain("client key does not match");

    // The node's own 429 reaches the SDK as the node wrote it, Retry-After included.
    const limited = await client.chat.completions.create({ model: "limited", messages: MESSAGES }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers?.get("retry-after")).toBe("7");
    expect((limited as Error).message).toContain("Rate limit reached for requests");
  });

  it("a stream that breaks off mid-way raises in the SDK", async () => {
    const stream = await client.chat.completions.create({ model: "snappy", messages: MESSAGES, stream: true });
    let text = "";
    const consume = (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })();
    await expect(consume).rejects.toThrow(/broke off/);
    expect(text).toBe("Hello");
  });
});
