/**
 * GET /metrics through the real worker: the exposition parses with an independent Prometheus
 * parser, counters move by exactly what was done, rejections are counted by reason, counters come
 * back from the metrics Durable Object in a brand-new app instance, and access is guarded.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import kernelModule from "../../build/kernel.wasm";
import worker from "../../src/index";
import { createApp } from "../../src/app";
import { ALL_FAMILIES, SCRAPED, STORED } from "../../src/operator/metrics/catalog";
import type { Decision } from "../../src/routing/schema";
import { KvFleetSource } from "../../src/telemetry/fleet";
import { signatureHeaders } from "../../src/telemetry/signature";
import { ADMIN } from "../support/http";
import { TEST_AGENT, TEST_KEYS, clearFleet, gpu, snapshot } from "../support/telemetry";
import { counter, eventually, histogramCount, sample, scrape, type Fetcher } from "./support";

type AppLike = { fetch(request: Request, env: Cloudflare.Env, ctx: ExecutionContext): Response | Promise<Response> };

/**
 * Calls an app's fetch with a fresh execution context. With `wait`, also waits for its waitUntil
 * tasks, the delayed metrics flush among them (up to a second); without, the counts stay in the
 * instance until its next flush — which every scrape through the same instance does first.
 */
function via(app: AppLike, bindings: Cloudflare.Env = env, options: { wait?: boolean } = {}): Fetcher {
  return async (request) => {
    const ctx = createExecutionContext();
    const response = await app.fetch(request, bindings, ctx);
    if (options.wait) await waitOnExecutionContext(ctx);
    return response;
  };
}
const viaWorker = via(worker);

const route = (body: unknown): Request =>
  new Request("http://router/v1/route", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function push(fetcher: Fetcher, body: unknown, options: { key?: string; timestamp?: number } = {}): Promise<number> {
  const text = JSON.stringify(body);
  const signed = await signatureHeaders(TEST_AGENT, options.key ?? TEST_KEYS[0], text, options.timestamp ?? Date.now() / 1000);
  const response = await fetcher(new Request("http://router/v1/telemetry", { method: "POST", headers: { "content-type": "application/json", ...signed }, body: text }));
  return response.status;
}

const DECISIONS = STORED.routeDecisions.name;
const PUSHES = STORED.telemetryPushes.name;
const LATENCY = STORED.decisionSeconds.name;

afterAll(() => clearFleet(env.ROUTER_KV));

describe("GET /metrics format", () => {
  it("parses with an independent Prometheus parser, with HELP and TYPE for every family", async () => {
    await viaWorker(route({ category: "code" }));
    const s = await scrape(viaWorker);
    for (const f of ALL_FAMILIES) {
      expect(s.text).toContain(`# TYPE ${f.name} ${f.type}\n`);
      expect(s.text).toContain(`# HELP ${f.name} `);
      if (f.type === "counter") expect(f.name).toMatch(/_total$/);
    }
    const decisions = s.families.find((f) => f.name === DECISIONS)!;
    expect(decisions.type).toBe("COUNTER");
    expect(decisions.help).toBe(STORED.routeDecisions.help);
    const latency = s.families.find((f) => f.name === LATENCY)!;
    expect(latency.type).toBe("HISTOGRAM");
    // Every bucket of the catalog plus +Inf, cumulative (never decreasing), ending at the count.
    const buckets = latency.metrics[0]!.buckets!;
    expect(Object.keys(buckets)).toHaveLength(STORED.decisionSeconds.buckets!.length + 1);
    const cumulative = [...STORED.decisionSeconds.buckets!.map(String), "+Inf"].map((le) => Number(buckets[le]));
    expect(cumulative).toEqual([...cumulative].sort((a, b) => a - b));
    expect(cumulative.at(-1)).toBe(Number(latency.metrics[0]!.count));
  });

  it("every line is a comment or a sample in the 0.0.4 grammar", async () => {
    const { text } = await scrape(viaWorker);
    const name = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    const labels = `\\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\\\\n]|\\\\[\\\\"n])*",?)*\\}`;
    const grammar = new RegExp(`^(# (HELP|TYPE) ${name} .*|${name}(${labels})? ([-+]?[0-9.]+(e[-+]?[0-9]+)?|[-+]Inf|NaN))$`);
    expect(text.endsWith("\n")).toBe(true);
    for (const line of text.trimEnd().split("\n")) expect(line).toMatch(grammar);
  });
});

describe("route decision counters", () => {
  it("move by exactly the decisions made, labelled by category, resolved category, model and outcome", async () => {
    const before = await scrape(viaWorker);
    const first = await viaWorker(route({ category: "code" }));
    expect(first.status).toBe(200);
    const decision = (await first.json()) as Decision;
    expect((await viaWorker(route({ category: "code" }))).status).toBe(200);
    expect((await viaWorker(route({ category: "no_such_category" }))).status).toBe(404);
    expect((await viaWorker(route({ category: 5 }))).status).toBe(400);
    expect((await viaWorker(route({ category: "code", constraints: { max_params_b: 0.001 } }))).status).toBe(422);
    const after = await scrape(viaWorker);

    const delta = (labels: Record<string, string>) => counter(after, DECISIONS, labels) - counter(before, DECISIONS, labels);
    const ok = { category: "code", resolved_category: decision.resolved_category, model: decision.model.id, outcome: "ok" };
    expect(delta(ok)).toBe(2);
    // Client input never becomes a label value: the unknown category is counted without it.
    expect(delta({ category: "", outcome: "unknown_category" })).toBe(1);
    expect(after.text).not.toContain("no_such_category");
    expect(delta({ category: "", outcome: "bad_request" })).toBe(1);
    expect(delta({ category: "code", resolved_category: "", model: "", outcome: "no_model" })).toBe(1);
    expect(histogramCount(after, LATENCY) - histogramCount(before, LATENCY)).toBe(5);
  });

  it("counts a 503 as no_gpu when models fit but no GPU has room", async () => {
    await clearFleet(env.ROUTER_KV);
    expect(await push(viaWorker, snapshot("tiny-node", [gpu(0, 64)]))).toBe(202);
    const before = await scrape(viaWorker);
    expect((await viaWorker(route({ category: "code" }))).status).toBe(503);
    const after = await scrape(viaWorker);
    const labels = { category: "code", outcome: "no_gpu" };
    expect(counter(after, DECISIONS, labels) - counter(before, DECISIONS, labels)).toBe(1);
    await clearFleet(env.ROUTER_KV);
  });
});

describe("telemetry push counters", () => {
  it("count accepted pushes and each rejection by its reason", async () => {
    const before = await scrape(viaWorker);
    const body = snapshot("metrics-node", [gpu(0, 40_000)]);
    expect(await push(viaWorker, body)).toBe(202);
    expect(await push(viaWorker, body)).toBe(409); // the same seq again
    expect(await push(viaWorker, snapshot("metrics-node", [gpu(0, 40_000)]), { key: "not-the-key-of-test-agent" })).toBe(401);
    expect(await push(viaWorker, snapshot("metrics-node", [gpu(0, 40_000)]), { timestamp: Date.now() / 1000 - 3600 })).toBe(401);
    const after = await scrape(viaWorker);
    const delta = (labels: Record<string, string>) => counter(after, PUSHES, labels) - counter(before, PUSHES, labels);
    expect(delta({ result: "accepted", reason: "none" })).toBe(1);
    expect(delta({ result: "rejected", reason: "stale_seq" })).toBe(1);
    expect(delta({ result: "rejected", reason: "bad_signature" })).toBe(1);
    expect(delta({ result: "rejected", reason: "bad_timestamp" })).toBe(1);
  });
});

describe("gauges from the fleet view", () => {
  it("expose each GPU's free memory in bytes, utilization as a ratio, temperature and age; unknown readings are absent, not 0", async () => {
    await clearFleet(env.ROUTER_KV);
    expect(await push(viaWorker, snapshot("gauge-node", [gpu(0, 30_000, { utilization_gpu_pct: 42, temperature_c: 61 }), gpu(1, 20_000, { temperature_c: null })]))).toBe(202);
    const s = await scrape(viaWorker);
    const g0 = { node: "gauge-node", gpu: "0" };
    const g1 = { node: "gauge-node", gpu: "1" };
    expect(sample(s, SCRAPED.gpuFreeBytes.name, g0)).toBe(30_000 * 1024 * 1024);
    expect(sample(s, SCRAPED.gpuUtilization.name, g0)).toBeCloseTo(0.42, 12);
    expect(sample(s, SCRAPED.gpuTemperature.name, g0)).toBe(61);
    expect(sample(s, SCRAPED.gpuTemperature.name, g1)).toBeNull();
    expect(sample(s, SCRAPED.gpuHealthy.name, g0)).toBe(1);
    expect(sample(s, SCRAPED.gpuHealthy.name, g1)).toBe(0);
    expect(sample(s, SCRAPED.gpuAge.name, g0)).toBeGreaterThanOrEqual(0);
    expect(sample(s, SCRAPED.gpuInfo.name, { ...g0, uuid: "GPU-test-0" })).toBe(1);
    expect(sample(s, SCRAPED.nodeStale.name, { node: "gauge-node" })).toBe(0);
    await clearFleet(env.ROUTER_KV);
  });
});

describe("experiment counters", () => {
  it("expose each variant's assignments, events and errors from the experiment's Durable Object, and whether it runs", async () => {
    const id = `metrics-exp-${Date.now().toString(36)}`;
    const registry = (await (await viaWorker(new Request("http://router/v1/registry"))).json()) as { models: Array<{ id: string; categories: Record<string, unknown> }> };
    const [a, b] = registry.models.filter((m) => m.categories["reasoning"]).map((m) => m.id);
    const post = (path: string, body: unknown) =>
      viaWorker(new Request(`http://router${path}`, { method: "POST", headers: { "content-type": "application/json", ...ADMIN }, body: JSON.stringify(body) }));
    expect((await post("/v1/experiments", { id, scope: { category: "reasoning" }, variants: [{ name: "a", model: a }, { name: "b", model: b }] })).status).toBe(201);
    const assigned = new Map<string, number>();
    for (let i = 0; i < 8; i++) {
      const decision = (await (await post("/v1/route", { category: "reasoning", unit_id: `unit-${i}` })).json()) as Decision;
      assigned.set(decision.experiment!.variant, (assigned.get(decision.experiment!.variant) ?? 0) + 1);
    }
    for (const [i, error] of [false, true, true].entries()) {
      expect((await post(`/v1/experiments/${id}/events`, { event_id: `e-${i}`, variant: "b", latency_ms: 100, error })).status).toBe(200);
    }
    // Assignments reach the experiment's object in waitUntil, after each decision's response.
    const s = await eventually(async () => {
      const current = await scrape(viaWorker);
      const total = counter(current, SCRAPED.experimentAssignments.name, { experiment: id, variant: "a" }) + counter(current, SCRAPED.experimentAssignments.name, { experiment: id, variant: "b" });
      return total === 8 ? current : null;
    }, 10_000, "8 assignments in the experiment's counters");
    for (const variant of ["a", "b"]) {
      expect(sample(s, SCRAPED.experimentAssignments.name, { experiment: id, variant })).toBe(assigned.get(variant) ?? 0);
    }
    expect(sample(s, SCRAPED.experimentEvents.name, { experiment: id, variant: "b" })).toBe(3);
    expect(sample(s, SCRAPED.experimentErrors.name, { experiment: id, variant: "b" })).toBe(2);
    expect(sample(s, SCRAPED.experimentEvents.name, { experiment: id, variant: "a" })).toBe(0);
    expect(sample(s, SCRAPED.experimentRunning.name, { experiment: id })).toBe(1);
    expect((await post(`/v1/experiments/${id}/stop`, {})).status).toBe(200);
    expect(sample(await scrape(viaWorker), SCRAPED.experimentRunning.name, { experiment: id })).toBe(0);
  });
});

describe("counters across isolates", () => {
  it("a new app instance reads the counts another instance flushed into the metrics Durable Object", async () => {
    const reader = via(createApp({ kernelModule, fleetSource: new KvFleetSource() }));
    const before = await scrape(reader);
    // A separate instance stands for another isolate: its decisions reach the object only through its own
    // delayed flush, at the production interval here (the test bindings flush after every request).
    const writer = via(createApp({ kernelModule, fleetSource: new KvFleetSource() }), { ...env, METRICS_FLUSH_MS: "1000" }, { wait: true });
    for (let i = 0; i < 3; i++) expect((await writer(route({ category: "math" }))).status).toBe(200);
    const after = await scrape(via(createApp({ kernelModule, fleetSource: new KvFleetSource() })));
    const labels = { category: "math", outcome: "ok" };
    expect(counter(after, DECISIONS, labels) - counter(before, DECISIONS, labels)).toBe(3);
  }, 20_000); // three flushes, a second apart by design
});

describe("flushing", () => {
  it("coalesces an isolate's counts: ten concurrent decisions reach the object in one or two batches", async () => {
    const reader = via(createApp({ kernelModule, fleetSource: new KvFleetSource() }));
    const before = await scrape(reader);
    const app = createApp({ kernelModule, fleetSource: new KvFleetSource() });
    const bindings = { ...env, METRICS_FLUSH_MS: "1000" };
    const contexts = Array.from({ length: 10 }, () => createExecutionContext());
    const responses = await Promise.all(contexts.map((ctx) => app.fetch(route({ category: "general_chat" }), bindings, ctx)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    await Promise.all(contexts.map((ctx) => waitOnExecutionContext(ctx)));
    const after = await scrape(reader);
    const labels = { category: "general_chat", outcome: "ok" };
    expect(counter(after, DECISIONS, labels) - counter(before, DECISIONS, labels)).toBe(10);
    const batches = counter(after, STORED.batches.name) - counter(before, STORED.batches.name);
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(batches).toBeLessThanOrEqual(2);
  }, 20_000);
});

describe("GET /metrics access", () => {
  const app = createApp({ kernelModule, fleetSource: new KvFleetSource() });
  const get = (bindings: Cloudflare.Env, authorization?: string) =>
    via(app, bindings)(new Request("http://router/metrics", { headers: authorization ? { authorization } : {} }));

  it("needs the admin token when ADMIN_TOKEN is set", async () => {
    expect((await get(env)).status).toBe(401);
    expect((await get(env, "Bearer wrong-token")).status).toBe(401);
    expect((await get(env, ADMIN.authorization)).status).toBe(200);
  });

  it("takes METRICS_TOKEN (or the admin token) when that is set", async () => {
    const bindings = { ...env, METRICS_TOKEN: "test-metrics-token" };
    expect((await get(bindings, "Bearer test-metrics-token")).status).toBe(200);
    expect((await get(bindings, ADMIN.authorization)).status).toBe(200);
    expect((await get(bindings, "Bearer test-metrics-tokem")).status).toBe(401);
    expect((await get(bindings)).status).toBe(401);
  });

  it("is open when neither token is configured", async () => {
    expect((await get({ ...env, ADMIN_TOKEN: undefined })).status).toBe(200);
  });
});
