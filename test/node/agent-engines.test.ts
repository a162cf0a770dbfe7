/**
 * The agent CLI reading serving engines: stand-in engines on 127.0.0.1 (node:http servers that
 * serve the real fixture outputs of test/fixtures/engines/) and the signed push to a telemetry
 * server. `parse` and `once` show the engines; an unreachable engine, garbage /metrics, a hung
 * engine and an oversized body still push the GPU data, with that engine's load unknown and the
 * reason logged; the router's engine_models answer becomes warnings; `run` says a note once.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HELP } from "../../cli/agent/help";
import { EXIT, main } from "../../cli/agent/main";
import { SnapshotSchema, type Snapshot } from "../../src/telemetry/snapshot";
import { AGENT_ID, FIXTURE_DIR, REPO_ROOT, keyFile, memoryIo, startTelemetryServer, type TelemetryServer } from "./agent-support";

const H200_IDLE = join(FIXTURE_DIR, "h200-driver580/q_idle.xml");
const ENGINE_FIXTURES = join(REPO_ROOT, "test/fixtures/engines");
const fixture = (path: string) => readFileSync(join(ENGINE_FIXTURES, path), "utf8");

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
const servers: Server[] = [];
const telemetry: TelemetryServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) s.closeAllConnections();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  await Promise.all(telemetry.splice(0).map((s) => s.close()));
});

async function listen(handler: Handler): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A stand-in engine: path → body (200), anything else 404 like the engines do. */
function engine(routes: Record<string, string>): Promise<string> {
  return listen((request, response) => {
    const body = routes[request.url ?? ""];
    response.writeHead(body === undefined ? 404 : 200, { "content-type": request.url === "/metrics" ? "text/plain; version=0.0.4" : "application/json" });
    response.end(body ?? '{"detail":"Not Found"}');
  });
}

const vllm = () => engine({ "/metrics": fixture("vllm/datadog-opt-125m.metrics.txt"), "/v1/models": fixture("vllm/aibrix-qwen-coder-lora.v1-models.json") });
const ollama = () => engine({ "/api/ps": fixture("ollama/attogram-ministral-8b.api-ps.json") });

async function deadUrl(): Promise<string> {
  const url = await listen(() => undefined);
  const server = servers.pop()!;
  await new Promise((r) => server.close(r));
  return url;
}

async function parse(...args: string[]) {
  const io = memoryIo();
  const code = await main(["parse", H200_IDLE, "--node-name", "n1", ...args], io);
  return { code, snapshot: code === 0 ? SnapshotSchema.parse(JSON.parse(io.out())) : null, err: io.err() };
}

describe("agent parse with engines", () => {
  it("shows every engine: kind detected, served names verbatim, load from /metrics, GPUs from #gpus=", async () => {
    const [v, o] = await Promise.all([vllm(), ollama()]);
    const { code, snapshot, err } = await parse("--engine", `${v}#gpus=0`, "--engine", o);
    expect(code).toBe(0);
    expect(err).toBe("");
    expect(snapshot!.engines).toEqual([
      { kind: "vllm", mode: "fixed", models: ["Qwen/Qwen2.5-Coder-1.5B-Instruct", "lora-1", "lora-2"], gpus: [0], running: 0, waiting: 0, kv_cache_usage: 0, requests_total: 1, read_at: expect.any(String) },
      { kind: "ollama", mode: "on_demand", models: ["hf.co/bartowski/Ministral-8B-Instruct-2410-GGUF:IQ4_XS"], gpus: null, running: null, waiting: null, kv_cache_usage: null, requests_total: null, read_at: expect.any(String) },
    ]);
    // The operator's --models is not invented from the engines: the router maps served names.
    expect(snapshot!.models).toEqual([]);
  });

  it("reads the node endpoint when no --engine is given, and none with --no-engines", async () => {
    const url = await engine({ "/metrics": fixture("sglang/docs-llama-3.1-8b-load.metrics.txt"), "/v1/models": JSON.stringify({ object: "list", data: [{ id: "meta-llama/Llama-3.1-8B-Instruct", object: "model", owned_by: "sglang" }] }) });
    const read = await parse("--node-endpoint", url);
    expect(read.snapshot!.engines).toMatchObject([{ kind: "sglang", models: ["meta-llama/Llama-3.1-8B-Instruct"], running: 162, waiting: 2826, kv_cache_usage: 0.28, requests_total: null }]);
    expect(read.err).toMatch(/requests_total unknown: no sglang:num_requests_total/);
    expect((await parse("--node-endpoint", url, "--no-engines")).snapshot!.engines).toEqual([]);
  });

  it("drops gpus= indices nvidia-smi does not list rather than losing the GPU data", async () => {
    const { snapshot, err } = await parse("--engine", `${await vllm()}#gpus=0,3`);
    expect(snapshot!.engines[0]!.gpus).toEqual([0]);
    expect(err).toMatch(/gpus 3 not among nvidia-smi's GPUs \(0\); sending 0/);
  });

  it("documents the engine flags and what is read in --help of every command", () => {
    for (const command of ["run", "once", "parse"] as const) {
      for (const text of ["--engine URL[#kind=K&gpus=I,J]", "--no-engines", "--engine-timeout", "vllm:num_requests_running", "sglang:token_usage", "tgi_queue_size", "llamacpp:requests_deferred", "/api/ps"]) expect(HELP[command], `${command} ${text}`).toContain(text);
    }
  });

  it("exits 2 naming the flag for a bad --engine", async () => {
    const io = memoryIo();
    expect(await main(["parse", H200_IDLE, "--engine", "http://h#kind=triton"], io)).toBe(EXIT.usage);
    expect(io.err()).toMatch(/--engine http:\/\/h#kind=triton: kind must be one of/);
  });
});

describe("agent once with engines that fail", () => {
  /** `once` with these engines; `extra` flags go last (a repeated flag's last value wins). */
  async function once(engines: string[], extra: string[] = []) {
    const s = await startTelemetryServer([202]);
    telemetry.push(s);
    const io = memoryIo();
    const args = ["once", "--url", s.url, "--agent-id", AGENT_ID, "--key-file", keyFile(), "--from-file", H200_IDLE, "--node-name", "h200-a", "--engine-timeout", "500ms"];
    const code = await main([...args, ...engines.flatMap((e) => ["--engine", e]), ...extra], io);
    return { code, out: io.out(), err: io.err(), sent: s.received[0]?.snapshot ?? null };
  }

  it("pushes the engines and prints one line each", async () => {
    const { code, out, sent } = await once([await vllm()]);
    expect(code).toBe(EXIT.accepted);
    expect(out).toMatch(/push node=h200-a seq=\d+ gpus=1 engines=1 -> 202 accepted/);
    expect(out).toMatch(/engine vllm \(fixed\) models=\[Qwen\/Qwen2.5-Coder-1.5B-Instruct, lora-1, lora-2\] gpus=\? running=0 waiting=0 kv_cache_usage=0 requests_total=1/);
    expect(sent!.engines[0]).toMatchObject({ kind: "vllm", requests_total: 1 });
  });

  it("an unreachable engine (kind given) and a garbage /metrics still push the GPUs, with that load unknown and the reason logged", async () => {
    const dead = await deadUrl();
    const html = await engine({ "/metrics": "<html><body><h1>502 Bad Gateway</h1></body></html>", "/v1/models": fixture("vllm/aibrix-qwen-coder-lora.v1-models.json") });
    const { code, out, err, sent } = await once([`${dead}#kind=vllm`, `${html}#kind=vllm`]);
    expect(code).toBe(EXIT.accepted);
    expect(sent!.gpus[0]!.memory_free_mb).toBe(143156);
    const unknown = { running: null, waiting: null, kv_cache_usage: null, requests_total: null };
    expect(sent!.engines).toEqual([
      { kind: "vllm", mode: "fixed", models: [], gpus: null, ...unknown, read_at: expect.any(String) },
      { kind: "vllm", mode: "fixed", models: ["Qwen/Qwen2.5-Coder-1.5B-Instruct", "lora-1", "lora-2"], gpus: null, ...unknown, read_at: expect.any(String) },
    ]);
    expect(err).toContain(`engine vllm ${dead}: ${dead}/v1/models: connect ECONNREFUSED`);
    expect(err).toContain(`load unknown: ${dead}/metrics: connect ECONNREFUSED`);
    expect(err).toContain(`load unknown: ${html}/metrics: not Prometheus text (not a metric name: "<html><body><h1>502"), body starts "<html><body><h1>502 Bad Gateway</h1></body></html>"`);
    expect(out).toMatch(/engine vllm \(fixed\) models=\[\] gpus=\? running=\? waiting=\? kv_cache_usage=\? requests_total=\?/);
  });

  it("an engine of unknown kind that does not answer is left out, and the agent says why", async () => {
    const dead = await deadUrl();
    const status = await engine({});
    const { code, out, err, sent } = await once([dead, status]);
    expect(code).toBe(EXIT.accepted);
    expect(sent!.engines).toEqual([]);
    expect(out).toMatch(/gpus=1 -> 202 accepted/);
    expect(err).toContain(`${status}/metrics: HTTP 404, body "{\\"detail\\":\\"Not Found\\"}"; ${status}/api/ps: HTTP 404`);
    expect(err).toMatch(/not sent until its kind is known \(or give #kind=… in --engine\)/);
  });

  it("a hung engine costs at most --engine-timeout", async () => {
    const hung = await listen(() => undefined);
    const started = Date.now();
    const { code, err, sent } = await once([`${hung}#kind=sglang`]);
    expect(code).toBe(EXIT.accepted);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(sent!.engines).toMatchObject([{ kind: "sglang", running: null, waiting: null }]);
    expect(err).toContain(`load unknown: ${hung}/metrics: timed out`);
  });

  it("an oversized /metrics is cut off while streaming", async () => {
    const huge = await listen((request, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      if (request.url !== "/metrics") return void response.end('{"data":[]}');
      // 5 MiB in 256 KiB chunks with no Content-Length: only the streaming limit can stop it.
      const chunk = "vllm:num_requests_running 1.0\n".repeat(9000);
      let sent = 0;
      const more = () => {
        while (sent < 5 * 1024 * 1024 && !response.destroyed) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once("drain", more);
        }
        response.end();
      };
      response.on("error", () => undefined);
      more();
    });
    // A generous timeout: this test is about the size limit, not the clock.
    const { code, err, sent } = await once([`${huge}#kind=vllm`], ["--engine-timeout", "4s"]);
    expect(code).toBe(EXIT.accepted);
    expect(sent!.engines).toMatchObject([{ kind: "vllm", running: null, models: [] }]);
    expect(err).toContain(`load unknown: ${huge}/metrics: body passed the 4194304-byte limit while streaming`);
  });

  it("warns when the router's registry knows no served name and when --models disagrees", async () => {
    const url = await listen((request, response) => {
      request.resume();
      request.on("end", () => {
        response.writeHead(202, { "content-type": "application/json" });
        response.end(JSON.stringify({ accepted: true, engine_models: { resolved: ["qwen2.5-coder-1.5b-instruct"], unknown: ["lora-1", "lora-2"] } }));
      });
    });
    const io = memoryIo();
    const code = await main(["once", "--url", url, "--agent-id", AGENT_ID, "--key-file", keyFile(), "--from-file", H200_IDLE, "--engine", await vllm(), "--models", "llama-3.1-8b-instruct"], io);
    expect(code).toBe(EXIT.accepted);
    expect(io.err()).toContain("agent: warning: the router's registry knows no model served as lora-1, lora-2");
    expect(io.err()).toContain("agent: warning: --models lists llama-3.1-8b-instruct but no engine serves it");
    expect(io.err()).toContain("agent: warning: the engines serve qwen2.5-coder-1.5b-instruct, which --models leaves out");
  });
});

describe("agent run with engines", () => {
  it("keeps pushing while an engine is down, and says so once, not every interval", async () => {
    const s = await startTelemetryServer([202]);
    telemetry.push(s);
    const dead = await deadUrl();
    const io = memoryIo();
    const stop = new AbortController();
    const running = main(["run", "--url", s.url, "--agent-id", AGENT_ID, "--key-file", keyFile(), "--from-file", H200_IDLE, "--interval", "1s", "--engine", `${dead}#kind=tgi&gpus=0`], io, stop.signal);
    const deadline = Date.now() + 20_000;
    while (s.received.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    expect(await running).toBe(0);
    expect(s.received.length).toBeGreaterThanOrEqual(3);
    for (const r of s.received) expect((r.snapshot as Snapshot).engines).toMatchObject([{ kind: "tgi", gpus: [0], running: null }]);
    expect(io.out().match(/engine tgi .*ECONNREFUSED/g)).toHaveLength(1);
  });
});
