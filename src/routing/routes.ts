/** POST /v1/route: the decision endpoint. Validation, auth and errors come from the shared layers. */
import { createRoute } from "@hono/zod-openapi";
import { requireClient } from "../auth";
import { pickProblems, jsonResponse } from "../problem-schema";
import { createRouter, jsonBody } from "../validate";
import { recordAssignmentLater } from "../experiments/record";
import { routeWithExperiment } from "../experiments/route-with-experiment";
import { RunningExperiments } from "../experiments/running";
import type { RoutingContext } from "./context";
import { DecisionSchema, RouteRequestSchema, type Decision } from "./schema";

declare module "hono" {
  interface ContextVariableMap {
    /** The decision POST /v1/route answered with, for middleware that observes it (src/operator/metrics/observe.ts). */
    decision: Decision;
  }
}

const route = createRoute({
  method: "post",
  path: "/v1/route",
  tags: ["routing"],
  summary: "Decide which model and which GPU serve a request",
  middleware: [requireClient, jsonBody()] as const,
  request: { body: { required: true, content: { "application/json": { schema: RouteRequestSchema } } } },
  responses: {
    200: jsonResponse("The decision", DecisionSchema),
    ...pickProblems(400, 401, 404, 413, 415, 422, 503),
  },
});

export function routingRoutes(context: RoutingContext, experiments: RunningExperiments = new RunningExperiments()) {
  return createRouter().openapi(route, async (c) => {
    const now = Date.now();
    const [loaded, running] = await Promise.all([context.get(c.env, now), experiments.get(c.env, now)]);
    // decide(), wrapped: a running experiment covering the category picks the variant to route with.
    const { decision, assignment } = routeWithExperiment({ loaded, request: c.req.valid("json"), now_ms: now, decision_id: crypto.randomUUID(), experiments: running });
    if (assignment) recordAssignmentLater(c, assignment);
    c.set("decision", decision);
    return c.json(decision, 200);
  });
}
