/**
 * The gateway end to end on 127.0.0.1: `wrangler dev` (fresh persistence directory), fake
 * OpenAI-compatible servers made with node:http, and the real agent CLI pushing one H200 capture
 * per node with --node-endpoint pointing at them. The registry (test/node/gateway-support.ts)
 * makes every placement known in advance, so each test knows which node a request must reach.
 *
 * Tests run in file order and share the router's breakers (one isolate): the 500-ing node fails
 * twice in all (chat, code), staying below the three failures that would open its breaker.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWrangler, type DevServer } from "../../bench/servers";
import type { FleetView } from "../../src/telemetry/schema";
import { FIXTURE_DIR, REPO_ROOT, eventually, keyFile } from "./agent-support";
import { completion, deadEndpoint, gatewayRegistry, sseChunk, startUpstream, type Upstream } from "./gateway-support";

const exec = promisify(execFile);
const AGENT = "gw-agent";
const AGENT_KEY = "gw-agent-test-key-0001";
const ADMIN_TOKEN = "gw-admin-test-token";
const NODE_TOKEN = "gw-node-test-token";
const TIMEOUT_MS = 3000;

let router: DevServer | null = null;
let persist = "";
let ok: Upstream;
let failing: Upstream;
let hanging: Upstream;
let deadUrl = "";
let downUrl = "";
/** Lets the streaming test decide when the ok server sends the rest of its stream. */
let releaseStream: () => void = () => undefined;

async function pushNode(node: string, endpoint: string, models: string[]): Promise<void> {
  const { stdout } = await exec(
    process.execPath,
    ["--import", "tsx", "cli/agent/index.ts", "once", "--url", router!.url, "--agent-id", AGENT, "--key-file", keyFile(AGENT_KEY),
      "--from-file", join(FIXTURE_DIR, "h200-driver580/q_idle.xml"), "--node-name", node, "--node-endpoint", endpoint, "--no-engines", "--models", models.join(",")],
    { cwd: REPO_ROOT, timeout: 60_000 },
  );
  expect(stdout).toMatch(new RegExp(`push node=${node} .* -> 202 accepted`));
}

function chat(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${router!.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

const MESSAGES = [{ role: "user", content: "Say hi" }];

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, "build/kernel.wasm"))) await exec("npm", ["run", "--silent", "build:kernel"], { cwd: REPO_ROOT, timeout: 120_000 });
  ok = await startUpstream(async (request, response) => {
    if (typeof request.body["max_tokens"] === "number" && request.body["max_tokens"] < 0) {
      response.writeHead(400, { "content-type": "application/json" });
      response.end(JSON.stringify({ object: "error", message: "max_tokens must be at least 1", type: "BadRequestError", code: 400 }));
      return;
    }
    if (request.body["stream"] === true) {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write(sseChunk("Hel"));
      await new Promise<void>((resolve) => (releaseStream = resolve));
      response.write(sseChunk("lo"));
      response.end("data: [DONE]\n\n");
      return;
    }
    response.writeHead(200, { "content-type": "application/json" });
    response.end(completion(request.body["model"], "Hi from ok"));
  });
  failing = await startUpstream((_request, response) => {
    response.writeHead(500, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: "CUDA out of memory on 10.1.2.3" }));
  });
  // Never answers: the router's timeout must give up on it.
  hanging = await startUpstream(() => undefined);
  deadUrl = await deadEndpoint();
  downUrl = await deadEndpoint();

  persist = mkdtempSync(join(tmpdir(), "gateway-e2e-"));
  router = await startWrangler("wrangler.toml", [
    "--persist-to", persist,
    "--var", `AGENT_KEYS:${JSON.stringify({ [AGENT]: [AGENT_KEY] })}`,
    "--var", `ADMIN_TOKEN:${ADMIN_TOKEN}`,
    "--var", `NODE_TOKEN:${NODE_TOKEN}`,
    "--var", `GATEWAY_TIMEOUT_MS:${TIMEOUT_MS}`,
  ]);
  const put = await fetch(`${router.url}/v1/registry?canary=false`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify(gatewayRegistry()),
  });
  expect(put.status, await put.text()).toBe(200);
  await Promise.all([
    pushNode("gw-ok", ok.url, ["bravo", "india"]),
    pushNode("gw-500", failing.url, ["alpha"]),
    pushNode("gw-dead", deadUrl, ["delta"]),
    pushNode("gw-down", downUrl, ["golf"]),
    pushNode("gw-hang", hanging.url, ["foxtrot"]),
  ]);
  // The isolate caches the fleet for up to CACHE_TTL_MS (2 s): poll, do not sleep.
  await eventually(async () => {
    const view = (await (await fetch(`${router!.url}/v1/fleet`)).json()) as FleetView;
    return view.nodes.filter((n) => n.node.startsWith("gw-")).length === 5 ? true : null;
  }, 20_000, "the five gateway nodes in /v1/fleet");
}, 240_000);

afterAll(async () => {
  releaseStream();
  await router?.stop();
  await Promise.all([ok, failing, hanging].map((u) => u?.close()));
  if (persist) rmSync(persist, { recursive: true, force: true });
});

describe("POST /v1/chat/completions through wrangler dev", () => {
  it("returns the upstream's answer; the upstream saw the hf_repo as model, the node token, and everything else untouched", async () => {
    const sent = { model: "bravo", messages: MESSAGES, temperature: 0.3, max_tokens: 8, user: "u-1", tools: [{ type: "function", function: { name: "f", parameters: {} } }] };
    const response = await chat(sent, { authorization: "Bearer client-secret-must-not-leak", "x-request-id": "req-gw-1" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.text()).toBe(completion("test-org/bravo-hf", "Hi from ok"));
    expect(response.headers.get("x-router-node")).toBe("gw-ok");
    expect(response.headers.get("x-router-model")).toBe("bravo");
    expect(response.headers.get("x-router-attempts")).toBe("1");
    expect(response.headers.get("x-router-decision-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get("x-router-experiment")).toBeNull();

    const seen = ok.received.at(-1)!;
    expect(seen.method).toBe("POST");
    expect(seen.path).toBe("/v1/chat/completions");
    expect(seen.body).toEqual({ ...sent, model: "test-org/bravo-hf" });
    expect(seen.headers["authorization"]).toBe(`Bearer ${NODE_TOKEN}`);
    expect(JSON.stringify(seen.headers)).not.toContain("client-secret-must-not-leak");
    expect(seen.headers["x-request-id"]).toBe("req-gw-1");
  });

  it("fails over past a node that answers 500 (x-router-attempts: 2), without showing its body", async () => {
    const before = failing.received.length;
    const response = await chat({ model: "auto:chat", messages: MESSAGES });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-router-attempts")).toBe("2");
    expect(response.headers.get("x-router-node")).toBe("gw-ok");
    expect(response.headers.get("x-router-model")).toBe("bravo");
    expect(await response.text()).toBe(completion("test-org/bravo-hf", "Hi from ok"));
    expect(failing.received.length - before).toBe(1);
    expect(failing.received.at(-1)!.body["model"]).toBe("test-org/alpha-hf");
  });

  it("fails over past a dead port; after 3 failures its breaker opens and the node is skipped", async () => {
    const served = ok.received.length;
    const attempts: string[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await chat({ model: "auto:math", messages: MESSAGES });
      expect(response.status).toBe(200);
      expect(response.headers.get("x-router-node")).toBe("gw-ok");
      attempts.push(response.headers.get("x-router-attempts")!);
      await response.arrayBuffer();
    }
    expect(attempts).toEqual(["2", "2", "2", "1"]);
    expect(ok.received.length - served).toBe(4);

    const metrics = await (await fetch(`${router!.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    expect(metrics).toContain(`router_gateway_breaker_open{node="gw-dead",endpoint="${deadUrl}"} 1`);
    expect(metrics).toContain(`router_gateway_breaker_open{node="gw-ok",endpoint="${ok.url}"} 0`);
    expect(metrics).toContain('router_gateway_upstream_errors_total{node="gw-dead",kind="network"} 3');
    expect(metrics).toContain('router_gateway_upstream_errors_total{node="gw-500",kind="http_5xx"} 1');
  });

  it("fails over past a node that never answers, after GATEWAY_TIMEOUT_MS", async () => {
    const before = hanging.received.length;
    const response = await chat({ model: "auto:python", messages: MESSAGES });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-router-attempts")).toBe("2");
    expect(response.headers.get("x-router-node")).toBe("gw-ok");
    expect(hanging.received.length - before).toBe(1);
    const metrics = await (await fetch(`${router!.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    expect(metrics).toContain('router_gateway_upstream_errors_total{node="gw-hang",kind="timeout"} 1');
    expect(metrics).toContain('router_gateway_attempts_total{node="gw-ok",outcome="ok"}');
  });

  it("streams server-sent events through as they come, even past the header timeout", async () => {
    const response = await chat({ model: "bravo", messages: MESSAGES, stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    // The upstream holds back the rest until released: this first read proves nothing is buffered.
    let text = "";
    while (!text.includes("\n\n")) {
      const { value, done } = await reader.read();
      expect(done).toBe(false);
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toBe(sseChunk("Hel"));
    // Longer than GATEWAY_TIMEOUT_MS: the timeout bounds the wait for headers, not the stream.
    await new Promise((r) => setTimeout(r, TIMEOUT_MS + 500));
    releaseStream();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toBe(`${sseChunk("Hel")}${sseChunk("lo")}data: [DONE]\n\n`);
  });

  it("returns an upstream 4xx as it is, without trying another node", async () => {
    const response = await chat({ model: "bravo", messages: MESSAGES, max_tokens: -1 });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-router-attempts")).toBe("1");
    expect(await response.json()).toEqual({ object: "error", message: "max_tokens must be at least 1", type: "BadRequestError", code: 400 });
  });

  it("502 naming each attempt when every candidate fails", async () => {
    const response = await chat({ model: "auto:code", messages: MESSAGES });
    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("x-router-attempts")).toBe("2");
    const body = (await response.json()) as { errors: Array<{ path: string; message: string }>; attempts: Array<Record<string, unknown>> };
    expect(body.errors).toEqual([
      { path: "attempts.0", message: "gw-500 (alpha): upstream answered 500" },
      { path: "attempts.1", message: expect.stringMatching(/^gw-down \(golf\): unreachable: /) },
    ]);
    expect(body.attempts).toEqual([
      { node: "gw-500", endpoint: failing.url, model: "alpha", status: 500, error: "http_5xx", message: "upstream answered 500" },
      { node: "gw-down", endpoint: downUrl, model: "golf", status: null, error: "network", message: expect.any(String) },
    ]);
    // The upstream's own error text never reaches the client.
    expect(JSON.stringify(body)).not.toContain("CUDA");
  });

  it("proxied traffic takes part in experiments: sticky variant per unit, the variant's model served, headers to report outcomes", async () => {
    const create = await fetch(`${router!.url}/v1/experiments`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ id: "gw-write", scope: { category: "write" }, variants: [{ name: "bravo-arm", model: "bravo" }, { name: "india-arm", model: "india" }] }),
    });
    expect(create.status, await create.text()).toBe(201);
    const arms = new Map<string, string>();
    for (const unit of ["unit-1", "unit-2", "unit-3", "unit-4", "unit-5", "unit-6"]) {
      const variants = new Set<string>();
      for (let i = 0; i < 2; i++) {
        const response = await eventually(async () => {
          const r = await chat({ model: "auto:write", messages: MESSAGES }, { "x-unit-id": unit });
          return r.headers.get("x-router-experiment") === "gw-write" ? r : null;
        }, 10_000, "the experiment to cover the write category");
        expect(response.status).toBe(200);
        const variant = response.headers.get("x-router-variant")!;
        const model = response.headers.get("x-router-model")!;
        expect(model).toBe(variant === "bravo-arm" ? "bravo" : "india");
        expect(((await response.json()) as { model: string }).model).toBe(`test-org/${model}-hf`);
        variants.add(variant);
      }
      expect(variants.size).toBe(1);
      arms.set(unit, [...variants][0]!);
    }
    expect([...arms.values()].every((v) => v === "bravo-arm" || v === "india-arm")).toBe(true);
  });
});
