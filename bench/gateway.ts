/**
 * `npm run bench -- --gateway`: the OpenAI-compatible gateway's overhead, on 127.0.0.1, in one
 * interleaved run at 1 and 32 connections. Four targets, loaded in turn within each round:
 *
 *   upstream      the stand-in OpenAI server alone (bench/gateway-upstream.ts, its own process)
 *   passthrough   a 5-line worker that forwards to it (bench/baseline/passthrough.ts), same runtime
 *   gw-auto       the router with `model: "auto"` (decision, forwarding, metering, recording)
 *   gw-model      the router with a model id
 *
 * The router's fleet is one H200 (a real capture) whose endpoint is the stand-in, pushed through
 * the signed path before each router run. Ratios are against the pass-through worker in the same
 * round; absolute numbers mean little on a shared machine. Also timed in this process: the
 * gateway's own per-request steps (body splice, prompt bound, validation), to say where time goes,
 * and from the router's /metrics the calls its isolates made to the shared breakers' Durable
 * Object per proxied request (src/gateway/breaker-cache.ts).
 */
import autocannon from "autocannon";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { pushSnapshot } from "../cli/agent/push";
import { modelSpans, withModel } from "../src/gateway/body";
import { promptItems, promptTokenBound } from "../src/gateway/prompt";
import { ChatRequestSchema } from "../src/gateway/schema";
import { parseNvidiaSmi } from "../src/telemetry/nvidia-smi";
import { SnapshotSchema } from "../src/telemetry/snapshot";
import { BENCH_AGENT, benchAgentVar } from "./fleet";
import { compare } from "./measure";
import { freePort, startWrangler, type DevServer } from "./servers";

export interface GatewayRow {
  target: string;
  connections: number;
  requests_per_s: number;
  p50_ms: number;
  p99_ms: number;
  non_2xx: number;
  errors: number;
}

const MODEL_ID = "llama-3.1-70b-instruct";
const ADMIN = "bench-gateway-admin";

/** Calls to the shared breakers' object, by call, and the proxied requests they served (sums over the router's /metrics). */
export interface SharedBreakerCost {
  reads: number;
  reports: number;
  proxied: number;
  calls_per_request: number;
}

async function sharedBreakerCost(router: string): Promise<SharedBreakerCost> {
  // The recorder flushes about once a second; let the last counts land.
  await new Promise((r) => setTimeout(r, 2500));
  const text = await (await fetch(`${router}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
  const sum = (pattern: RegExp) => text.split("\n").filter((l) => pattern.test(l)).reduce((n, l) => n + Number(l.split(" ").at(-1)), 0);
  const reads = sum(/^router_gateway_shared_breaker_calls_total\{call="read"\}/);
  const reports = sum(/^router_gateway_shared_breaker_calls_total\{call="report"\}/);
  const proxied = sum(/^router_gateway_attempts_total\{/);
  return { reads, reports, proxied, calls_per_request: proxied > 0 ? (reads + reports) / proxied : 0 };
}
const body = (model: string) => JSON.stringify({ model, messages: [{ role: "user", content: "Say hello in five words." }], max_tokens: 16, temperature: 0.2 });
const FIXTURE = fileURLToPath(new URL("../test/fixtures/nvidia-smi/h200-driver580/csv/idle-extended-header-units.csv", import.meta.url));
let seq = Date.now();

async function pushNode(router: string, endpoint: string): Promise<void> {
  const reading = parseNvidiaSmi(readFileSync(FIXTURE, "utf8"));
  const snapshot = SnapshotSchema.parse({
    agent_id: BENCH_AGENT.id, node: "bench-gw-h200", endpoint, models: [MODEL_ID], seq: ++seq, taken_at: new Date().toISOString(),
    driver_version: reading.driver_version, cuda_version: reading.cuda_version, gpus: reading.gpus,
  });
  const result = await pushSnapshot({ url: router, agentId: BENCH_AGENT.id, key: BENCH_AGENT.key, timeoutMs: 10_000 }, snapshot);
  if (result.outcome !== "accepted") throw new Error(`bench: node not accepted: ${result.status} ${result.detail}`);
}

async function startUpstream(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./gateway-upstream.ts", import.meta.url)), String(port)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`stand-in exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

function load(url: string, payload: string, connections: number, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url: `${url}/v1/chat/completions`, method: "POST", headers: { "content-type": "application/json" }, body: payload, connections, duration: seconds });
}

async function check(url: string, payload: string): Promise<void> {
  const response = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: payload });
  if (response.status !== 200) throw new Error(`bench: ${url} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  await response.arrayBuffer();
}

/** Microseconds per call of the gateway's own CPU work on the bench body, in this process. */
export function gatewaySteps(): Record<string, number> {
  const text = body("auto");
  const parsed = ChatRequestSchema.parse(JSON.parse(text));
  return compare(
    {
      "JSON.parse + zod": () => ChatRequestSchema.parse(JSON.parse(text)),
      "model spans (jsonc-parser)": () => modelSpans(text),
      "splice + encode": () => withModel({ text, spans: modelSpans(text) }, "meta-llama/Llama-3.1-70B-Instruct"),
      "prompt bound": () => promptTokenBound(promptItems({ kind: "chat", body: parsed })),
    },
    { rounds: 3, minMs: 200 },
  );
}

export async function benchGateway(options: { connections: number[]; seconds: number; rounds: number }): Promise<{ rows: GatewayRow[]; steps: Record<string, number>; shared: SharedBreakerCost }> {
  const servers: DevServer[] = [];
  const upstream = await startUpstream();
  try {
    const router = await startWrangler("wrangler.toml", [...benchAgentVar(), "--var", `ADMIN_TOKEN:${ADMIN}`, "--persist-to", mkdtempSync(join(tmpdir(), "bench-gateway-"))]);
    servers.push(router);
    const passthrough = await startWrangler("bench/baseline/passthrough.toml", ["--var", `UPSTREAM:${upstream.url}`]);
    servers.push(passthrough);
    await pushNode(router.url, upstream.url);
    const targets: Array<[string, string, string]> = [
      ["upstream", upstream.url, body(MODEL_ID)],
      ["passthrough", passthrough.url, body(MODEL_ID)],
      ["gw-auto", router.url, body("auto")],
      ["gw-model", router.url, body(MODEL_ID)],
    ];
    for (const [, url, payload] of targets) await check(url, payload);
    const rows: GatewayRow[] = [];
    for (const connections of options.connections) {
      const runs = new Map<string, autocannon.Result[]>(targets.map(([name]) => [name, []]));
      for (const [, url, payload] of targets) await load(url, payload, connections, 1); // warm-up
      for (let r = 0; r < options.rounds; r++) {
        for (const [name, url, payload] of targets) {
          if (url === router.url) await pushNode(router.url, upstream.url);
          runs.get(name)!.push(await load(url, payload, connections, options.seconds));
          process.stderr.write(`  gateway ${name} ${connections} conn round ${r + 1}\n`);
        }
      }
      for (const [name, results] of runs) {
        const median = (pick: (x: autocannon.Result) => number) => results.map(pick).sort((a, b) => a - b)[results.length >> 1]!;
        rows.push({
          target: name,
          connections,
          requests_per_s: Math.round(median((x) => x.requests.average)),
          p50_ms: median((x) => x.latency.p50),
          p99_ms: median((x) => x.latency.p99),
          non_2xx: results.reduce((n, x) => n + x.non2xx, 0),
          errors: results.reduce((n, x) => n + x.errors + x.timeouts, 0),
        });
      }
    }
    return { rows, steps: gatewaySteps(), shared: await sharedBreakerCost(router.url) };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    upstream.child.kill();
  }
}
