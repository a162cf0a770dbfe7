/** POST /v1/route: the decision endpoint. Validation, auth and errors come from the shared layers. */
import { createRoute } from "@hono/zod-openapi";
import { requireClient } from "../auth";
import { pickProblems } from "../problem-schema";
import { createRouter, jsonBody } from "../validate";
import type { RoutingContext } from "./context";
import { decide } from "./decide";
import { DecisionSchema, RouteRequestSchema } from "./schema";

const route = createRoute({
  method: "post",
  path: "/v1/route",
  tags: ["routing"],
  summary: "Decide which model and which GPU serve a request",
  middleware: [requireClient, jsonBody()] as const,
  request: { body: { required: true, content: { "application/json": { schema: RouteRequestSchema } } } },
  responses: {
    200: { description: "The decision", content: { "application/json": { schema: DecisionSchema } } },
    ...pickProblems(400, 401, 404, 413, 415, 422, 503),
  },
});

export function routingRoutes(context: RoutingContext) {
  return createRouter().openapi(route, async (c) => {
    const now = Date.now();
    const loaded = await context.get(c.env, now);
    const decision = decide({ loaded, request: c.req.valid("json"), now_ms: now, decision_id: crypto.randomUUID() });
    return c.json(decision, 200);
  });
}
