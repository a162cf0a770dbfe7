/**
 * GET /metrics: Prometheus text (0.0.4). Flushes this isolate's pending counts first, then reads
 * the metrics Durable Object, the fleet view and the experiment objects in parallel. Mounted by
 * src/app.ts; the catalog of what is exposed is catalog.ts, documented in docs/operator.md.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Env } from "../../env";
import { Problem } from "../../errors";
import { pickProblems } from "../../problem-schema";
import type { CircuitBreakers } from "../../gateway/breaker";
import type { RoutingContext } from "../../routing/context";
import { buildFleetView } from "../../telemetry/view";
import { createRouter } from "../../validate";
import { experimentSnapshots } from "../experiment-snapshots";
import { requireMetricsAccess } from "./access";
import { EXPOSITION_CONTENT_TYPE, renderExposition } from "./exposition";
import type { MetricsRecorder } from "./recorder";
import { metricsFamilies } from "./scrape";
import { MetricsStore } from "./store";
import type { MetricsState } from "./series";

/** Experiments exposed per scrape (running first, then the newest): each costs one Durable Object call. */
export const SCRAPE_EXPERIMENTS = 50;

const metrics = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["operator"],
  summary: "Prometheus metrics (text format 0.0.4)",
  description:
    "Route decisions, decision latency, telemetry pushes, per-GPU gauges, experiment counters. Needs `Authorization: Bearer` with " +
    "METRICS_TOKEN or ADMIN_TOKEN when either is configured. See docs/operator.md for every metric.",
  middleware: [requireMetricsAccess] as const,
  responses: {
    200: { description: "The exposition", content: { [EXPOSITION_CONTENT_TYPE]: { schema: z.string() } } },
    ...pickProblems(401, 503),
  },
});

/** `breakers`: the proxy's circuit breakers of this isolate (src/gateway/breaker.ts), for `router_gateway_breaker_open`. */
export function metricsRoutes(context: RoutingContext, recorder: MetricsRecorder, breakers?: CircuitBreakers) {
  return createRouter().openapi(metrics, async (c) => {
    const now = Date.now();
    await recorder.flush(c.env, now);
    const [state, loaded, experiments] = await Promise.all([
      readState(c.env.METRICS),
      context.get(c.env, now),
      experimentSnapshots(c.env, SCRAPE_EXPERIMENTS),
    ]);
    const fleet = buildFleetView({ nodes: loaded.fleet, config: loaded.registry.config, registryVersion: loaded.registry.version, registryModels: loaded.registry.models, now_ms: now });
    const breakerSamples = (breakers?.list() ?? []).map((b) => ({ node: b.node, endpoint: b.endpoint, open: b.breaker.state(now) !== "closed" }));
    const body = renderExposition(metricsFamilies({ state, fleet, experiments, ledger: loaded.kernel.ledger(), breakers: breakerSamples }));
    return c.text(body, 200, { "content-type": EXPOSITION_CONTENT_TYPE });
  });
}

/** The stored counters; an unreachable object fails the scrape (Prometheus records it as down) rather than exposing zeros. */
async function readState(namespace: Env["METRICS"]): Promise<MetricsState> {
  try {
    return await new MetricsStore(namespace).read();
  } catch (error) {
    console.error("metrics: the metrics object cannot be read:", error);
    throw new Problem({ status: 503, title: "Metrics unavailable", detail: "the metrics store cannot be read; retry", headers: { "retry-after": "5" } });
  }
}
