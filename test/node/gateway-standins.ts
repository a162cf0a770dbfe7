/**
 * Stand-in OpenAI-compatible servers for the gateway tests (node:http on 127.0.0.1, started by the
 * tests), a router under `wrangler dev` with agent-pushed nodes pointing at them, and the registry
 * that places each model on exactly one of them. Behaviours:
 *
 *   healthy     chat (JSON or SSE, with the usage chunk when stream_options.include_usage),
 *               completions, embeddings; headers a proxy must pass (x-ratelimit-*, cache-control)
 *               and ones it must not (set-cookie, connection-named, x-router-*); `"redirect": true`
 *               answers 307 with Location
 *   slow        answers after the body's `delay_ms` (default 8 s); a stream sends an event every 100 ms
 *   failing     500 with internals in the body
 *   limited     429 with Retry-After and x-ratelimit-* headers
 *   resetting   a stream that breaks off after two events, a JSON body after 20 of its 500 bytes
 *               (the socket is destroyed)
 *   soft        200 whose body is an {"error": …} object
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "vitest";
import { startWrangler, type DevServer } from "../../bench/servers";
import type { Model, Registry } from "../../src/registry/schema";
import type { FleetView } from "../../src/telemetry/schema";
import { model, registry } from "../support/builders";
import { FIXTURE_DIR, REPO_ROOT, eventually, keyFile } from "./agent-support";
import { startUpstream, type Received, type Upstream } from "./gateway-support";

const exec = promisify(execFile);
export const ADMIN_TOKEN = "gw-standin-admin-token";
const AGENT = "gw-standin-agent";
const AGENT_KEY = "gw-standin-agent-key-0001";

export type StandInKind = "healthy" | "slow" | "failing" | "limited" | "resetting" | "soft";

export const USAGE = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };
export const EMBEDDING_USAGE = { prompt_tokens: 5, total_tokens: 5 };

const sse = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const chunk = (model: unknown, content: string) => ({ id: "c1", object: "chat.completion.chunk", model, choices: [{ index: 0, delta: { content } }], usage: null });

function healthy(request: Received, response: ServerResponse): void {
  const body = request.body;
  if (body["redirect"] === true) {
    response.writeHead(307, { location: "http://127.0.0.1:9/elsewhere", "content-type": "application/json" });
    response.end("{}");
    return;
  }
  const common = { "x-ratelimit-remaining-requests": "99", "set-cookie": "node=secret; Path=/", "x-router-node": "spoofed", connection: "keep-alive, x-hop", "x-hop": "1" };
  if (request.path === "/v1/embeddings") {
    response.writeHead(200, { ...common, "content-type": "application/json" });
    response.end(JSON.stringify({ object: "list", data: [{ object: "embedding", index: 0, embedding: [0.1, -0.2, 0.3] }], model: body["model"], usage: EMBEDDING_USAGE }));
    return;
  }
  if (request.path === "/v1/completions") {
    response.writeHead(200, { ...common, "content-type": "application/json" });
    response.end(JSON.stringify({ id: "cmpl-1", object: "text_completion", model: body["model"], choices: [{ index: 0, text: " world", finish_reason: "stop" }], usage: USAGE }));
    return;
  }
  if (body["stream"] === true) {
    response.writeHead(200, { ...common, "content-type": "text/event-stream", "cache-control": "no-cache" });
    response.write(sse(chunk(body["model"], "Hel")));
    response.write(sse(chunk(body["model"], "lo")));
    const options = body["stream_options"] as { include_usage?: boolean } | undefined;
    if (options?.include_usage) response.write(sse({ id: "c1", object: "chat.completion.chunk", model: body["model"], choices: [], usage: USAGE }));
    response.end("data: [DONE]\n\n");
    return;
  }
  response.writeHead(200, { ...common, "content-type": "application/json" });
  response.end(JSON.stringify({ id: "chatcmpl-1", object: "chat.completion", model: body["model"], choices: [{ index: 0, message: { role: "assistant", content: "Hello" }, finish_reason: "stop" }], usage: USAGE }));
}

const BEHAVIOURS: Record<StandInKind, (request: Received, response: ServerResponse) => void | Promise<void>> = {
  healthy,
  slow: async (request, response) => {
    if (request.body["stream"] === true) {
      // A model generating for nobody once the client left: a token every 100 ms, for 30 s at most.
      response.writeHead(200, { "content-type": "text/event-stream" });
      for (let i = 0; i < 300 && !response.destroyed; i++) {
        response.write(sse(chunk(request.body["model"], "slow")));
        await new Promise((r) => setTimeout(r, 100));
      }
      if (!response.destroyed) response.end("data: [DONE]\n\n");
      return;
    }
    const delay = typeof request.body["delay_ms"] === "number" ? request.body["delay_ms"] : 8000;
    await new Promise((r) => setTimeout(r, delay));
    if (response.destroyed) return;
    healthy(request, response);
  },
  failing: (_request, response) => {
    response.writeHead(500, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: "CUDA out of memory on 10.1.2.3" }));
  },
  limited: (_request, response) => {
    response.writeHead(429, {
      "content-type": "application/json",
      "retry-after": "7",
      "x-ratelimit-limit-requests": "100",
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-requests": "7s",
    });
    response.end(JSON.stringify({ error: { message: "Rate limit reached for requests", type: "requests", param: null, code: "rate_limit_exceeded" } }));
  },
  resetting: (request, response) => {
    if (request.body["stream"] !== true) {
      // Promises 500 bytes, sends 20, and the connection breaks.
      response.writeHead(200, { "content-type": "application/json", "content-length": "500" });
      response.write('{"id":"chatcmpl-1",', () => setTimeout(() => response.socket?.destroy(), 50));
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.write(sse(chunk(request.body["model"], "Hel")));
    response.write(sse(chunk(request.body["model"], "lo")), () => setTimeout(() => response.socket?.destroy(), 50));
  },
  soft: (_request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: { message: "The model is overloaded", type: "server_error", param: null, code: null } }));
  },
};

export function startStandIn(kind: StandInKind): Promise<Upstream> {
  return startUpstream(BEHAVIOURS[kind]);
}

/** Larger than an H200's free memory with headroom: each model can only go where it is served. */
const FOOTPRINT_MB = 142_000;

function standInModel(id: string, categories: string[], overrides: Partial<Model> = {}, base = 30): Model {
  return model(id, {
    hf_repo: `test-org/${id}-hf`,
    memory_mb: { bf16: FOOTPRINT_MB },
    default_precision: "bf16",
    categories: Object.fromEntries(categories.map((c) => [c, { base_score: base, confidence: 1 }])),
    ...overrides,
  });
}

/** Which node serves which models, by stand-in. */
export const NODES: Record<StandInKind, string[]> = {
  healthy: ["steady", "embedder", "no-ctx", "small-ctx", "wide-ctx"],
  slow: ["tardy"],
  failing: ["broken"],
  limited: ["limited"],
  resetting: ["snappy"],
  soft: ["sneaky"],
};

/**
 * chat: steady, and one model per misbehaving stand-in (named by model id in the tests);
 * embedding: embedder; long: no-ctx (unknown context, default 8192) > small-ctx (4096) > wide-ctx (131072).
 */
export function standInRegistry(): Registry {
  const base = registry([]);
  const category = (id: string, parent: string | null = null) => ({ id, parent, description: id, benchmarks: [] });
  return {
    ...base,
    config: {
      ...base.config,
      gpu: { ...base.config.gpu, memory_headroom_mb: 2000, request_load_pct: 0, stale_after_s: 3600 },
      canary: { enabled: false },
      default_context_length: 8192,
    },
    categories: [category("chat"), category("long"), category("embedding"), category("embedding_code", "embedding")],
    models: [
      standInModel("steady", ["chat"], {}, 40),
      ...["tardy", "broken", "limited", "snappy", "sneaky"].map((id) => standInModel(id, ["chat"], {}, 20)),
      standInModel("embedder", ["embedding"], { context_length: 512 }),
      standInModel("no-ctx", ["long"], { context_length: null }, 50),
      standInModel("small-ctx", ["long"], { context_length: 4096 }, 40),
      standInModel("wide-ctx", ["long"], { context_length: 131_072 }, 30),
    ],
  };
}

export interface StandInRouter {
  router: DevServer;
  upstreams: Record<StandInKind, Upstream>;
  stop(): Promise<void>;
}

/** Every stand-in, wrangler dev with `vars`, the stand-in registry, one pushed node per stand-in. */
export async function startStandInRouter(vars: Record<string, string> = {}): Promise<StandInRouter> {
  const kinds = Object.keys(NODES) as StandInKind[];
  const upstreams = Object.fromEntries(await Promise.all(kinds.map(async (k) => [k, await startStandIn(k)] as const))) as Record<StandInKind, Upstream>;
  const persist = mkdtempSync(join(tmpdir(), "gateway-standins-"));
  const all = { AGENT_KEYS: JSON.stringify({ [AGENT]: [AGENT_KEY] }), ADMIN_TOKEN, ...vars };
  const router = await startWrangler("wrangler.toml", ["--persist-to", persist, ...Object.entries(all).flatMap(([k, v]) => ["--var", `${k}:${v}`])]);
  const stop = async () => {
    await router.stop();
    await Promise.all(Object.values(upstreams).map((u) => u.close()));
    rmSync(persist, { recursive: true, force: true });
  };
  try {
    const put = await fetch(`${router.url}/v1/registry?canary=false`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify(standInRegistry()),
    });
    expect(put.status, await put.text()).toBe(200);
    const key = keyFile(AGENT_KEY);
    await Promise.all(
      kinds.map((kind) =>
        exec(
          process.execPath,
          ["--import", "tsx", "cli/agent/index.ts", "once", "--url", router.url, "--agent-id", AGENT, "--key-file", key,
            "--from-file", join(FIXTURE_DIR, "h200-driver580/q_idle.xml"), "--node-name", `gw-${kind}`, "--node-endpoint", upstreams[kind].url, "--models", NODES[kind].join(",")],
          { cwd: REPO_ROOT, timeout: 60_000 },
        ),
      ),
    );
    await eventually(async () => {
      // The admin token passes client checks too (CLIENT_KEYS may be set).
      const view = (await (await fetch(`${router.url}/v1/fleet`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as FleetView;
      return view.nodes.filter((n) => n.node.startsWith("gw-")).length === kinds.length ? true : null;
    }, 20_000, "every stand-in node in /v1/fleet");
  } catch (error) {
    await stop();
    throw error;
  }
  return { router, upstreams, stop };
}

/** The router's /metrics text. */
export async function metricsText(router: DevServer): Promise<string> {
  return (await fetch(`${router.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
}
