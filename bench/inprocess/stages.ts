/**
 * Where a POST /v1/route goes, stage by stage, for `npm run bench -- --inprocess`. Two kinds:
 *
 *   ladder:*  apps built up one layer at a time toward the router (µs per request through fetch):
 *             Hono reading JSON → + requireClient and jsonBody → + a zod-openapi route validating
 *             RouteRequestSchema and answering a fixed decision → + the countDecisions middleware.
 *   step:*    one piece of the handler alone, in a loop (µs per call): validation, the cached
 *             context read, decide() (kernel and dressing), the kernel alone, serialising the
 *             decision, metrics recording, and a fleet repack (paid once per new generation, at
 *             most once per CACHE_TTL_MS per isolate, not per request).
 */
import { createRoute } from "@hono/zod-openapi";
import { Hono } from "hono";
import { requireClient } from "../../src/auth";
import type { Env } from "../../src/env";
import { STORED } from "../../src/operator/metrics/catalog";
import { countDecisions } from "../../src/operator/metrics/observe";
import { MetricsRecorder } from "../../src/operator/metrics/recorder";
import { jsonResponse } from "../../src/problem-schema";
import { DEMO_REGISTRY } from "../../src/registry/store";
import { buildLoaded, RoutingContext, setFleet } from "../../src/routing/context";
import { decide } from "../../src/routing/decide";
import { DecisionSchema, RouteRequestSchema } from "../../src/routing/schema";
import { KvFleetSource } from "../../src/telemetry/fleet";
import { createRouter, jsonBody } from "../../src/validate";
import { fmix32, fnv1a32 } from "../../src/hash";
import { BenchExecutionContext } from "./bindings";
import { compareTimed, type Timing } from "./timing";

type Handler = { fetch(request: Request, env: unknown, ctx: unknown): Response | Promise<Response> };

export async function benchStages(options: { kernelModule: WebAssembly.Module; env: Record<string, unknown>; minMs: number; rounds: number; body: string }): Promise<Record<string, Timing>> {
  const env = options.env as unknown as Env;
  const now = Date.now();
  const fleet = await new KvFleetSource().snapshot(env, now);
  const loaded = buildLoaded(DEMO_REGISTRY, options.kernelModule);
  setFleet(loaded, fleet);
  const request = RouteRequestSchema.parse(JSON.parse(options.body));
  const decision = decide({ loaded, request, now_ms: now, decision_id: crypto.randomUUID() });

  // The ladder: each app adds one layer of what the router does.
  const bare = new Hono().post("/v1/route", async (c) => c.json({ ok: true, category: (await c.req.json<{ category?: string }>()).category ?? null }));
  const guarded = new Hono<{ Bindings: Env }>().post("/v1/route", requireClient, jsonBody(), async (c) => c.json({ ok: true, category: (await c.req.json<{ category?: string }>()).category ?? null }));
  const route = createRoute({
    method: "post",
    path: "/v1/route",
    middleware: [requireClient, jsonBody()] as const,
    request: { body: { required: true, content: { "application/json": { schema: RouteRequestSchema } } } },
    responses: { 200: jsonResponse("The decision", DecisionSchema) },
  });
  const validated = createRouter().openapi(route, (c) => {
    c.req.valid("json");
    return c.json(decision, 200);
  });
  const recorder = new MetricsRecorder();
  const counted = createRouter();
  counted.use("/v1/route", countDecisions(recorder));
  counted.openapi(route, (c) => {
    c.req.valid("json");
    c.set("decision", decision);
    return c.json(decision, 200);
  });
  const ctx = new BenchExecutionContext();
  const call = (app: Handler) => async () => {
    const response = await app.fetch(new Request("http://127.0.0.1:8787/v1/route", { method: "POST", headers: { "content-type": "application/json" }, body: options.body }), options.env, ctx);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`bench stage answered ${response.status}`);
    if (ctx.tasks.length > 1024) ctx.tasks.length = 0;
  };
  const ladder = await compareTimed(
    {
      "ladder: Request + body read alone": async () => {
        await new Request("http://127.0.0.1:8787/v1/route", { method: "POST", headers: { "content-type": "application/json" }, body: options.body }).text();
      },
      "ladder: Hono reading JSON": call(bare as unknown as Handler),
      "ladder: + requireClient, jsonBody": call(guarded as unknown as Handler),
      "ladder: + zod-openapi route, fixed decision": call(validated as unknown as Handler),
      "ladder: + countDecisions middleware": call(counted as unknown as Handler),
    },
    { rounds: options.rounds, minMs: options.minMs / 2 },
  );

  const context = new RoutingContext({ kernelModule: options.kernelModule, fleetSource: new KvFleetSource() });
  await context.get(env, now);
  const stepRecorder = new MetricsRecorder();
  const decided = {
    at_ms: now, outcome: "ok", status: 200, duration_ms: 0, decision_id: decision.decision_id, category: decision.category,
    resolved_category: decision.resolved_category, model: decision.model.id, node: decision.placement?.node ?? null, gpu_index: decision.placement?.gpu_index ?? null,
    experiment: null, variant: null,
  };
  const generations = [fleet, { ...fleet, generation: `${fleet.generation}+` }];
  const steps = await compareTimed(
    {
      "step: JSON.parse + RouteRequestSchema": () => RouteRequestSchema.safeParse(JSON.parse(options.body)),
      "step: decide() (kernel + dressing)": () => decide({ loaded, request, now_ms: now, decision_id: decision.decision_id, record: false }),
      "step: kernel.route alone": () =>
        loaded.kernel.route({ category: request.category, constraints: request.constraints ?? {}, top_k: request.top_k, now_ms: now, explain: false, seed: fmix32(fnv1a32(decision.decision_id)), record: false }),
      "step: crypto.randomUUID": () => crypto.randomUUID(),
      "step: JSON.stringify(decision)": () => JSON.stringify(decision),
      "step: metrics count + observe + decided": (i) => {
        stepRecorder.count(STORED.routeDecisions, { category: decision.category, resolved_category: decision.resolved_category, model: decision.model.id, outcome: "ok" });
        stepRecorder.observe(STORED.decisionSeconds, {}, (i % 7) / 1000);
        stepRecorder.decided(decided);
      },
      "step: metrics histogram observe alone": (i) => stepRecorder.observe(STORED.decisionSeconds, {}, (i % 7) / 1000),
      "step: fleet repack on a new generation (per refresh)": (i) => setFleet(loaded, generations[i % 2]!),
      "step: RoutingContext.get (cached)": () => context.get(env, now),
    },
    { rounds: options.rounds, minMs: options.minMs / 2 },
  );
  await ctx.settle();
  return { ...ladder, ...steps };
}
