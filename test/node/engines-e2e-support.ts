/**
 * Stand-in vLLM servers for the engines end-to-end test (engines-e2e.test.ts): node:http servers
 * on 127.0.0.1 (gateway-support.ts's startUpstream) answering like vLLM's OpenAI server.
 *   GET  /metrics              the real vLLM exposition of test/fixtures/engines/vllm/ with only
 *                              the running, waiting and KV-cache gauges set to this stand-in's load
 *                              (or an HTML page for a broken one)
 *   GET  /v1/models            one model, shaped like the real vLLM /v1/models fixture
 *   POST /v1/chat/completions  a chat.completion naming the stand-in, so a test sees who answered
 * The load is mutable: the next agent push reads the new gauges.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./agent-support";
import { completion, startUpstream, type Received } from "./gateway-support";

const VLLM = join(REPO_ROOT, "test/fixtures/engines/vllm");
const METRICS = readFileSync(join(VLLM, "datadog-opt-125m.metrics.txt"), "utf8");
const MODELS = JSON.parse(readFileSync(join(VLLM, "aibrix-qwen-coder-lora.v1-models.json"), "utf8")) as { data: Array<Record<string, unknown>> };
const FIXTURE_MODEL = "facebook/opt-125m";

/** vllm:num_requests_running, vllm:num_requests_waiting and vllm:gpu_cache_usage_perc (a 0–1 ratio). */
export interface EngineLoad {
  running: number;
  waiting: number;
  kv: number;
}

/** The fixture's exposition, served as `served`, with the three load gauges replaced. */
export function vllmMetrics(served: string, load: EngineLoad): string {
  const gauges: Record<string, number> = {
    "vllm:num_requests_running": load.running,
    "vllm:num_requests_waiting": load.waiting,
    "vllm:gpu_cache_usage_perc": load.kv,
  };
  let replaced = 0;
  const text = METRICS.split("\n")
    .map((line) => {
      const name = line.split("{")[0]!;
      if (!(name in gauges)) return line;
      replaced++;
      return line.replace(/ [^ ]+$/, ` ${gauges[name]!.toFixed(4)}`);
    })
    .join("\n")
    .replaceAll(`model_name="${FIXTURE_MODEL}"`, `model_name="${served}"`);
  if (replaced !== 3) throw new Error(`the vLLM fixture changed: ${replaced} of 3 load gauges found`);
  return text;
}

/** vLLM's GET /v1/models for one served model, from the fixture's first entry. */
export function vllmModels(served: string): string {
  const [first] = MODELS.data;
  return JSON.stringify({ object: "list", data: [{ ...first, id: served, root: served, parent: null }] });
}

export interface StandIn {
  name: string;
  url: string;
  load: EngineLoad;
  /** Every chat completion it was sent, in order. */
  chats(): Received[];
  close(): Promise<void>;
}

/** A vLLM stand-in named `name` serving `served`; `brokenMetrics` answers /metrics with an HTML page. */
export async function startStandIn(name: string, served: string, load: EngineLoad, brokenMetrics = false): Promise<StandIn> {
  const state = { ...load };
  const upstream = await startUpstream((request, response) => {
    if (request.method === "GET" && request.path === "/metrics") {
      if (brokenMetrics) {
        // A 200 whose body is not Prometheus text, as a misrouted proxy or login page answers.
        response.writeHead(200, { "content-type": "text/html" });
        return void response.end("<html><body><h1>Sign in</h1></body></html>");
      }
      response.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      return void response.end(vllmMetrics(served, state));
    }
    if (request.method === "GET" && request.path === "/v1/models") {
      response.writeHead(200, { "content-type": "application/json" });
      return void response.end(vllmModels(served));
    }
    if (request.method === "POST" && request.path === "/v1/chat/completions") {
      response.writeHead(200, { "content-type": "application/json" });
      return void response.end(completion(request.body["model"], `Hi from ${name}`));
    }
    response.writeHead(404, { "content-type": "application/json" });
    response.end('{"detail":"Not Found"}');
  });
  return {
    name,
    url: upstream.url,
    load: state,
    chats: () => upstream.received.filter((r) => r.path === "/v1/chat/completions"),
    close: () => upstream.close(),
  };
}
