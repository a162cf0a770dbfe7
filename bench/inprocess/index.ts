/**
 * `npm run bench -- --inprocess`: the router's own cost per request, without a runtime or a
 * socket in between. The router app (createApp, as src/index.ts builds it) and the baselines are
 * called through `fetch(request, env, ctx)` in this one Node process, with the in-memory bindings
 * of bindings.ts, in interleaved rounds (median of `rounds`):
 *
 *   hono-trivial      bench/baseline/index.ts: reads the JSON body, answers JSON
 *   route-plain       POST /v1/route {category}
 *   route-constraints POST /v1/route with the e2e bench's constraints
 *   route-explain     POST /v1/route with explain: true (rejections listed)
 *   route-experiment  POST /v1/route under a running two-arm experiment (its own app instance)
 *   passthrough       bench/baseline/passthrough.ts against the in-process stand-in upstream
 *   gw-auto, gw-model POST /v1/chat/completions through the router to the same stand-in
 *
 * The stand-in upstream answers inside `fetch` (globalThis.fetch is wrapped for its origin only),
 * so both gateway rows pay the same for it. Stages of the route path are timed alone (stages.ts).
 */
import { register } from "node:module";
import type { Snapshot } from "../../src/telemetry/snapshot";
import { benchSnapshots } from "../fleet";
import { BenchExecutionContext, installWorkerdGlobals, memoryEnv } from "./bindings";
import { profiled } from "./profiler";
import { compareTimed, type Timing } from "./timing";
import { STAND_IN_ANSWER } from "../stand-in-answer";

export interface InProcessResult {
  /** µs per request (CPU and wall), median of the rounds. */
  requests: Record<string, Timing>;
  /** Router row ÷ its baseline (hono-trivial for routes, passthrough for the gateway), by CPU time and by wall time. */
  ratios: Record<string, { cpu: number; wall: number }>;
  /** µs per call of each stage (stages.ts). */
  stages: Record<string, Timing>;
  rounds: number;
}

/** The origin of the in-process stand-in upstream; loopback, which the endpoint policy allows while the router is reached on loopback. */
export const UPSTREAM = "http://127.0.0.1:9";
const ROUTER = "http://127.0.0.1:8787";
const ANSWER = STAND_IN_ANSWER;
const ANSWER_HEADERS = { "content-type": "application/json", "content-length": String(Buffer.byteLength(ANSWER)) };

export const ROUTE_BODIES = {
  "route-plain": { category: "code_rust" },
  "route-constraints": { category: "code_rust", constraints: { max_memory_mb: 40000 }, top_k: 3 },
  "route-explain": { category: "code_rust", constraints: { max_memory_mb: 40000 }, explain: true },
} as const;
const GW_MODEL = "llama-3.1-70b-instruct";
const chatBody = (model: string) => JSON.stringify({ model, messages: [{ role: "user", content: "Say hello in five words." }], max_tokens: 16, temperature: 0.2 });

/** Makes `cloudflare:workers` importable in Node (the Durable Object classes extend its DurableObject; none is run here). */
function shimCloudflareWorkers(): void {
  const source = "export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }";
  const hooks = `
    export async function resolve(specifier, context, next) {
      if (specifier === "cloudflare:workers") return { url: "data:text/javascript,${encodeURIComponent(source)}", shortCircuit: true };
      return next(specifier, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}

/** Answers the stand-in upstream's origin in-process; everything else goes to the real fetch. */
function installStandInUpstream(): void {
  const real = globalThis.fetch;
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(UPSTREAM)) return real(input, init);
    // Read the body like a server would, then answer.
    if (init?.body) await new Response(init.body).arrayBuffer();
    return new Response(ANSWER, { status: 200, headers: ANSWER_HEADERS });
  };
}

type Handler = { fetch(request: Request, env: unknown, ctx: unknown): Response | Promise<Response> };

/** Stores the bench fleet (plus a node serving GW_MODEL at the stand-in) straight into KV, as a push would. */
async function storeFleet(kv: unknown, snapshots: Snapshot[]): Promise<void> {
  const { TelemetryStore } = await import("../../src/telemetry/store");
  const store = new TelemetryStore(kv as KVNamespace);
  for (const s of snapshots) await store.write(s, new Date());
}

function gatewayNode(template: Snapshot): Snapshot {
  return { ...template, node: "bench-gw-h200", endpoint: UPSTREAM, models: [GW_MODEL] };
}

export async function benchInProcess(options: { rounds: number; minMs: number; only?: string[]; profile?: string }): Promise<InProcessResult> {
  shimCloudflareWorkers();
  installWorkerdGlobals();
  installStandInUpstream();
  const { createApp } = await import("../../src/app");
  const { loadKernelModule } = await import("../../cli/sim/kernel-module");
  const { ExperimentStore } = await import("../../src/experiments/store");
  const { buildExperiment } = await import("../../src/experiments/service");
  const { benchStages } = await import("./stages");
  const trivial = (await import("../baseline/index")).default as unknown as Handler;
  const passthrough = (await import("../baseline/passthrough")).default as unknown as Handler;
  const kernelModule = await loadKernelModule();

  const { KvFleetSource } = await import("../../src/telemetry/fleet");
  const snapshots = benchSnapshots();
  const fleet = [...snapshots, gatewayNode(snapshots[0]!)];
  const plain = memoryEnv();
  await storeFleet(plain.kv, fleet);
  const experimental = memoryEnv();
  await storeFleet(experimental.kv, fleet);
  const experiment = buildExperiment(
    {
      id: "bench-exp",
      scope: { category: "code_rust", include_descendants: false },
      variants: [{ name: "control", constraints: {} }, { name: "coder-7b", model: "qwen2.5-coder-7b-instruct" }],
      min_samples: 1000,
      significance: 0.05,
    },
    { id: "bench-exp", now: new Date(), origin: "api" },
  );
  await new ExperimentStore(experimental.kv as unknown as KVNamespace).put(experiment);

  const router = createApp({ kernelModule, fleetSource: new KvFleetSource() }) as unknown as Handler;
  const routerExp = createApp({ kernelModule, fleetSource: new KvFleetSource() }) as unknown as Handler;
  const ctx = new BenchExecutionContext();
  const upstreamEnv = { UPSTREAM };

  const post = (path: string, body: string) =>
    new Request(ROUTER + path, { method: "POST", headers: { "content-type": "application/json" }, body });
  const call = (handler: Handler, env: unknown, path: string, body: string, expect: number) => async () => {
    const response = await handler.fetch(post(path, body), env, ctx);
    await response.arrayBuffer();
    if (response.status !== expect) throw new Error(`bench: ${path} answered ${response.status}`);
    if (ctx.tasks.length > 1024) ctx.tasks.length = 0; // their promises run on; nothing waits for them here
  };
  const routeBody = JSON.stringify(ROUTE_BODIES["route-constraints"]);
  const contenders: Record<string, () => Promise<void>> = {
    "hono-trivial": call(trivial, {}, "/v1/route", routeBody, 200),
    "route-plain": call(router, plain.env, "/v1/route", JSON.stringify(ROUTE_BODIES["route-plain"]), 200),
    "route-constraints": call(router, plain.env, "/v1/route", routeBody, 200),
    "route-explain": call(router, plain.env, "/v1/route", JSON.stringify(ROUTE_BODIES["route-explain"]), 200),
    "route-experiment": call(routerExp, experimental.env, "/v1/route", routeBody, 200),
    passthrough: call(passthrough, upstreamEnv, "/v1/chat/completions", chatBody(GW_MODEL), 200),
    "gw-auto": call(router, plain.env, "/v1/chat/completions", chatBody("auto"), 200),
    "gw-model": call(router, plain.env, "/v1/chat/completions", chatBody(GW_MODEL), 200),
  };
  if (options.only) for (const name of Object.keys(contenders)) if (!options.only.includes(name)) delete contenders[name];
  for (const op of Object.values(contenders)) await op(); // fail fast on a wrong answer
  const requests = await profiled(options.profile, () =>
    compareTimed(contenders, options, (name, round) => process.stderr.write(`  inprocess ${name} round ${round}\n`)),
  );
  await ctx.settle();
  const ratio = (a: string, b: string) => ({
    cpu: Math.round((requests[a]!.cpu_us / requests[b]!.cpu_us) * 100) / 100,
    wall: Math.round((requests[a]!.wall_us / requests[b]!.wall_us) * 100) / 100,
  });
  const ratios: Record<string, { cpu: number; wall: number }> = {};
  for (const name of Object.keys(requests)) {
    if (name.startsWith("route-")) ratios[`${name} ÷ hono-trivial`] = ratio(name, "hono-trivial");
    if (name.startsWith("gw-")) ratios[`${name} ÷ passthrough`] = ratio(name, "passthrough");
  }
  const stages = options.only ? {} : await benchStages({ kernelModule, env: plain.env, minMs: options.minMs, rounds: options.rounds, body: routeBody });
  return { requests, ratios, stages, rounds: options.rounds };
}
