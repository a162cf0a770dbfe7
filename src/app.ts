/**
 * Builds the Hono app: the routers of each feature, the one error handler and the 404.
 * src/index.ts calls createApp once per isolate with the compiled kernel module.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./env";
import { Problem } from "./errors";
import { registryRoutes } from "./registry/routes";
import { EMPTY_FLEET, RoutingContext, type FleetSource } from "./routing/context";
import { routingRoutes } from "./routing/routes";
import { healthRoutes } from "./health";
import { mountOpenApi } from "./operator/openapi";
import { experimentRoutes } from "./experiments/routes";
import { RunningExperiments } from "./experiments/running";
import { telemetryRoutes } from "./telemetry/routes";
import { dashboardRoutes } from "./operator/dashboard/routes";
import { countDecisions, countTelemetry } from "./operator/metrics/observe";
import { MetricsRecorder } from "./operator/metrics/recorder";
import { metricsRoutes } from "./operator/metrics/routes";
import { CircuitBreakers } from "./gateway/breaker";
import { SharedBreakerCache } from "./gateway/breaker-cache";
import { STORED } from "./operator/metrics/catalog";
import { gatewayRoutes } from "./gateway/routes";

export interface AppOptions {
  kernelModule: WebAssembly.Module;
  fleetSource?: FleetSource;
}

export function createApp(options: AppOptions): OpenAPIHono<AppEnv> {
  const context = new RoutingContext({ kernelModule: options.kernelModule, fleetSource: options.fleetSource ?? EMPTY_FLEET });
  const running = new RunningExperiments();
  const metrics = new MetricsRecorder();
  // Per isolate, a fast local cache of the breakers every isolate shares (docs/gateway.md).
  const breakers = new CircuitBreakers();
  const shared = new SharedBreakerCache((call) => metrics.count(STORED.gatewaySharedBreakerCalls, { call }));
  const app = new OpenAPIHono<AppEnv>();
  // Before the routers, so they see every answer (errors included); they count in memory only.
  app.use("/v1/route", countDecisions(metrics));
  for (const path of ["/v1/chat/completions", "/v1/completions", "/v1/embeddings"]) app.use(path, countDecisions(metrics, { timed: false }));
  app.use("/v1/telemetry", countTelemetry(metrics));
  app.route("/", healthRoutes());
  app.route("/", registryRoutes(context, running));
  app.route("/", routingRoutes(context, running));
  app.route("/", experimentRoutes(context, running));
  app.route("/", telemetryRoutes(context));
  app.route("/", gatewayRoutes({ context, experiments: running, recorder: metrics, breakers, shared }));
  app.route("/", metricsRoutes(context, metrics, breakers));
  app.route("/", dashboardRoutes(context, metrics));

  // Last, so the document sees every route registered above.
  mountOpenApi(app);

  app.notFound((c) =>
    new Problem({
      status: 404,
      title: "Not found",
      detail: `no route for ${c.req.method} ${new URL(c.req.url).pathname}`,
      errors: [{ path: "path", message: "unknown endpoint" }],
    }).toResponse(),
  );
  app.onError((error, c) => {
    if (error instanceof Problem) return error.toResponse();
    if (error instanceof HTTPException) return fromHttpException(error).toResponse();
    // A bug, not bad input: log it whole, answer without internals.
    console.error(`unhandled error on ${c.req.method} ${c.req.path}:`, error);
    return new Problem({ status: 500, title: "Internal error", detail: "the router failed; the error was logged" }).toResponse();
  });
  return app;
}

/** Hono's own 4xx (malformed JSON from the validator, mostly) in our problem shape. */
function fromHttpException(error: HTTPException): Problem {
  const malformed = /malformed json/i.test(error.message);
  return new Problem({
    status: error.status,
    title: malformed ? "Invalid request" : error.message || "Request failed",
    detail: malformed ? "the body is not valid JSON" : error.message,
    errors: [{ path: error.status === 415 ? "header.content-type" : malformed || error.status === 413 ? "body" : "request", message: malformed ? "malformed JSON" : error.message || `HTTP ${error.status}` }],
  });
}
