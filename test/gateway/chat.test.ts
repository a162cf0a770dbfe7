/**
 * POST /v1/chat/completions and GET /v1/models through the real worker runtime: validation,
 * what `model` may name, routing refusals passed on, nothing to forward to, and — against a node
 * whose endpoint refuses connections (a real closed port, no mock) — failed attempts, the breaker
 * opening, and the proxy metrics. Upstreams that answer are tested end to end in
 * test/node/gateway-e2e.test.ts.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import kernelModule from "../../build/kernel.wasm";
import { createApp } from "../../src/app";
import { STORED, SCRAPED } from "../../src/operator/metrics/catalog";
import { DEMO_REGISTRY } from "../../src/registry/store";
import { KvFleetSource } from "../../src/telemetry/fleet";
import type { ModelList } from "../../src/gateway/schema";
import { expectProblem } from "../support/http";
import { clearFleet, gpu, pushOk, snapshot } from "../support/telemetry";
import { counter, sample, scrape, type Fetcher } from "../operator/support";

const MESSAGES = [{ role: "user", content: "hello" }];

/** A fresh app (its own breakers) called with a fresh execution context, waiting for waitUntil. */
function freshApp(bindings: Cloudflare.Env = env): Fetcher {
  const app = createApp({ kernelModule, fleetSource: new KvFleetSource() });
  return async (request) => {
    const ctx = createExecutionContext();
    const response = await app.fetch(request, bindings, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  };
}

/** The router as local development reaches it: only there may node endpoints be on loopback (docs/security.md). */
const LOCAL = "http://127.0.0.1";

function chatRequest(body: unknown, headers: Record<string, string> = {}, origin = "http://router"): Request {
  return new Request(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const chat = (body: unknown, headers: Record<string, string> = {}) => SELF.fetch(chatRequest(body, headers));

beforeEach(() => clearFleet(env.ROUTER_KV));

describe("request validation", () => {
  it("400 for a body that is not JSON, naming the body", async () => {
    const body = await expectProblem(await chat("{not json"), 400);
    expect(body.errors).toEqual([{ path: "body", message: "malformed JSON" }]);
  });

  it("415 without a JSON content type", async () => {
    const response = await SELF.fetch("http://router/v1/chat/completions", { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    const body = await expectProblem(response, 415);
    expect(body.errors[0]!.path).toBe("header.content-type");
  });

  it("400 naming each bad field: missing messages and model, wrong types", async () => {
    const missing = await expectProblem(await chat({}), 400);
    expect(missing.errors.map((e) => e.path).sort()).toEqual(["messages", "model"]);

    const wrong = await expectProblem(await chat({ model: 5, messages: "hi", stream: "yes" }), 400);
    expect(wrong.errors.map((e) => e.path).sort()).toEqual(["messages", "model", "stream"]);

    const empty = await expectProblem(await chat({ model: "auto", messages: [] }), 400);
    expect(empty.errors.map((e) => e.path)).toEqual(["messages"]);

    const messages = await expectProblem(await chat({ model: "auto", messages: [{ role: 1, content: "x" }, { role: "user" }, { role: "user", content: 7 }, "hi"] }), 400);
    expect(messages.errors.map((e) => e.path).sort()).toEqual(["messages.0.role", "messages.1.content", "messages.2.content", "messages.3"]);
  });

  it("400 naming a bad header", async () => {
    const body = await expectProblem(await chat({ model: "auto", messages: MESSAGES }, { "x-unit-id": "u".repeat(300) }), 400);
    expect(body.errors.map((e) => e.path)).toEqual(["header.x-unit-id"]);
  });

  it("accepts OpenAI's other fields and message shapes untouched (they reach routing: 503 on an empty fleet, not 400)", async () => {
    const response = await chat({
      model: "auto",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: [{ type: "text", text: "hi" }] },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: "42" },
      ],
      temperature: 0.2,
      max_tokens: 16,
      tools: [{ type: "function", function: { name: "f", parameters: {} } }],
      stream: true,
      user: "someone",
    });
    await expectProblem(response, 503);
  });
});

describe("what `model` names", () => {
  it("404 naming `model` for an unknown model id and for an unknown auto:<category>", async () => {
    const model = await expectProblem(await chat({ model: "gpt-4o", messages: MESSAGES }), 404);
    expect(model.errors).toEqual([{ path: "model", message: "unknown model 'gpt-4o'" }]);
    const category = await expectProblem(await chat({ model: "auto:code_cobol", messages: MESSAGES }), 404);
    expect(category.errors).toEqual([{ path: "model", message: "unknown category 'code_cobol' in 'auto:code_cobol'" }]);
  });

  it("auto is the default category (general_chat, or GATEWAY_DEFAULT_CATEGORY); a model id routes in the first category it serves", async () => {
    const auto = await expectProblem(await chat({ model: "auto", messages: MESSAGES }), 503);
    expect(auto.detail).toMatch(/^'general_chat' routes to /);
    const configured = await expectProblem(await freshApp({ ...env, GATEWAY_DEFAULT_CATEGORY: "math" })(chatRequest({ model: "auto", messages: MESSAGES })), 503);
    expect(configured.detail).toMatch(/^'math' routes to /);
    const category = await expectProblem(await chat({ model: "auto:code_rust", messages: MESSAGES }), 503);
    expect(category.detail).toMatch(/^'code_rust' routes to /);
    const phi = DEMO_REGISTRY.models.find((m) => m.id === "phi-4")!;
    const byId = await expectProblem(await chat({ model: "phi-4", messages: MESSAGES }), 503);
    expect(byId.detail).toMatch(new RegExp(`^'${Object.keys(phi.categories)[0]}' routes to phi-4,`));
  });

  it("503 naming the setting when GATEWAY_DEFAULT_CATEGORY is not in the registry", async () => {
    const body = await expectProblem(await freshApp({ ...env, GATEWAY_DEFAULT_CATEGORY: "nope" })(chatRequest({ model: "auto", messages: MESSAGES })), 503);
    expect(body.title).toBe("Gateway misconfigured");
    expect(body.detail).toContain("GATEWAY_DEFAULT_CATEGORY 'nope'");
  });
});

describe("nothing to forward to", () => {
  it("503 with Retry-After and the decision id on an empty fleet", async () => {
    const response = await chat({ model: "auto:code", messages: MESSAGES });
    const body = await expectProblem(response, 503);
    expect(body.title).toBe("No node to forward to");
    expect(body.errors).toEqual([{ path: "placement", message: "no candidate has a placement with an endpoint" }]);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(response.headers.get("x-router-decision-id")).toBe(body["decision_id"]);
  });

  it("503 when the only node has no endpoint (its agent ran without --node-endpoint): inventory, never a placement", async () => {
    await pushOk(snapshot("no-endpoint", [gpu(0, 140_000)], { endpoint: null }));
    const body = await expectProblem(await chat({ model: "auto:code", messages: MESSAGES }), 503);
    expect(body.title).toBe("No GPU available");
  });

  it("routing's own 503 (models fit, no GPU has room) is passed on as it is", async () => {
    await pushOk(snapshot("tiny", [gpu(0, 64)]));
    const response = await chat({ model: "llama-3.1-70b-instruct", messages: MESSAGES });
    const body = await expectProblem(response, 503);
    expect(body.title).toBe("No GPU available");
    expect(body.errors[0]).toMatchObject({ path: "placement", message: expect.stringContaining("llama-3.1-70b-instruct") });
  });

  it("401 without a client key when CLIENT_KEYS is set", async () => {
    const call = freshApp({ ...env, CLIENT_KEYS: "client-key-1" });
    await expectProblem(await call(chatRequest({ model: "auto", messages: MESSAGES })), 401);
    await expectProblem(await call(new Request("http://router/v1/models")), 401);
    expect((await call(new Request("http://router/v1/models", { headers: { authorization: "Bearer client-key-1" } }))).status).toBe(200);
  });
});

describe("a node that refuses connections", () => {
  it("fails with 502 naming the attempt, opens its breaker after 3 failures, then answers 503 without trying it, in this isolate and another", async () => {
    // Port 1 on loopback: nothing listens, so the runtime's fetch fails with a network error.
    await pushOk(snapshot("refusing", [gpu(0, 140_000)], { endpoint: "http://127.0.0.1:1", models: ["qwen2.5-7b-instruct"] }), { origin: LOCAL });
    const call = freshApp();
    const request = () => chatRequest({ model: "qwen2.5-7b-instruct", messages: MESSAGES }, {}, LOCAL);
    for (let i = 0; i < 3; i++) {
      const response = await call(request());
      const body = await expectProblem(response, 502);
      expect(response.headers.get("x-router-attempts")).toBe("1");
      expect(body.errors).toEqual([{ path: "attempts.0", message: expect.stringMatching(/^refusing \(qwen2\.5-7b-instruct\): unreachable: /) }]);
      expect(body["attempts"]).toEqual([{ node: "refusing", endpoint: "http://127.0.0.1:1", model: "qwen2.5-7b-instruct", status: null, error: "network", message: expect.any(String) }]);
    }
    // The open breaker leaves the node out at decision time: nothing else serves the model, so nothing is sent.
    const expectExcluded = async (response: Response) => {
      const body = await expectProblem(response, 503);
      expect(body.title).toBe("Upstreams unavailable");
      expect(body.errors).toEqual([{ path: "excluded.0", message: expect.stringMatching(/^refusing: circuit breaker open for (2[6-9]|30)s$/) }]);
      expect(response.headers.get("x-router-attempts")).toBe("0");
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(25);
      expect(Number(response.headers.get("retry-after"))).toBeLessThanOrEqual(30);
    };
    await expectExcluded(await call(request()));

    // The same app's scrape: the breaker gauge is this isolate's; the counters went through the metrics object.
    const s = await scrape(call);
    expect(sample(s, SCRAPED.gatewayBreakerOpen.name, { node: "refusing", endpoint: "http://127.0.0.1:1" })).toBe(1);
    expect(counter(s, STORED.gatewayUpstreamErrors.name, { node: "refusing", kind: "network" })).toBe(3);
    expect(counter(s, STORED.gatewayAttempts.name, { node: "refusing", outcome: "failed" })).toBe(3);
    // Routing placed three times; the fourth found no node once the open one was left out.
    expect(counter(s, STORED.routeDecisions.name, { model: "qwen2.5-7b-instruct", outcome: "ok" })).toBe(3);
    expect(counter(s, STORED.routeDecisions.name, { outcome: "error" })).toBe(0);
    // Three failure reports reached the shared breakers, and the first request read them once.
    expect(counter(s, STORED.gatewaySharedBreakerCalls.name, { call: "report" })).toBe(3);

    // Another app instance (another isolate) has no breaker of its own for it, yet reads the shared one and never tries the node.
    const other = freshApp();
    expect(sample(await scrape(other), SCRAPED.gatewayBreakerOpen.name, { node: "refusing" })).toBeNull();
    await expectExcluded(await other(request()));
    expect(counter(await scrape(other), STORED.gatewayAttempts.name, { node: "refusing", outcome: "failed" })).toBe(3);
  });
});

describe("candidates sharing one endpoint", () => {
  it("an endpoint that refused the connection is not tried again in the same request", async () => {
    // One big GPU: all three candidates of 'code' are placed on it, behind one endpoint.
    await pushOk(snapshot("lone", [gpu(0, 140_000)], { endpoint: "http://127.0.0.1:2" }), { origin: LOCAL });
    const response = await freshApp()(chatRequest({ model: "auto:code", messages: MESSAGES }, {}, LOCAL));
    const body = await expectProblem(response, 502);
    expect(response.headers.get("x-router-attempts")).toBe("1");
    expect(body["attempts"]).toEqual([expect.objectContaining({ node: "lone", error: "network" })]);
  });
});

describe("GET /v1/models", () => {
  it("lists auto, auto:<category> for every category and every registry model, in OpenAI's format", async () => {
    const response = await SELF.fetch("http://router/v1/models");
    expect(response.status).toBe(200);
    const list = (await response.json()) as ModelList;
    expect(list.object).toBe("list");
    const ids = list.data.map((m) => m.id);
    expect(ids).toEqual(["auto", ...DEMO_REGISTRY.categories.map((c) => `auto:${c.id}`), ...DEMO_REGISTRY.models.map((m) => m.id)]);
    for (const entry of list.data) {
      expect(entry.object).toBe("model");
      expect(Number.isInteger(entry.created)).toBe(true);
    }
    expect(list.data.find((m) => m.id === "auto")!.owned_by).toBe("router");
    expect(list.data.find((m) => m.id === "llama-3.1-70b-instruct")!.owned_by).toBe("meta-llama");
    expect(list.data.find((m) => m.id === "phi-4")!.owned_by).toBe("microsoft");
  });
});
