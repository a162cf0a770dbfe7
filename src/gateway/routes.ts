/**
 * The OpenAI-compatible gateway: POST /v1/chat/completions decides like POST /v1/route (with
 * experiments) and forwards the request to the chosen node, failing over to the alternatives;
 * GET /v1/models lists what `model` may name. Mounted by src/app.ts; see docs/gateway.md.
 */
import { createRoute } from "@hono/zod-openapi";
import { requireClient } from "../auth";
import { intSetting } from "../env";
import { Problem } from "../errors";
import { pickProblems, ProblemSchema, jsonResponse } from "../problem-schema";
import { createRouter, jsonBody } from "../validate";
import { recordAssignmentLater } from "../experiments/record";
import { routeWithExperiment } from "../experiments/route-with-experiment";
import type { RunningExperiments } from "../experiments/running";
import type { MetricsRecorder } from "../operator/metrics/recorder";
import type { RoutingContext } from "../routing/context";
import { retryAfterSeconds } from "../routing/decide";
import { endpointPolicy } from "../telemetry/endpoint-policy";
import { nodeTokens } from "../telemetry/node-tokens";
import type { Decision, RouteRequest } from "../routing/schema";
import type { CircuitBreakers } from "./breaker";
import { destinations, failover, type Attempt } from "./failover";
import { countAttempts } from "./metrics";
import { ChatHeadersSchema, ChatRequestSchema, ModelListSchema } from "./schema";
import { DEFAULT_CATEGORY, modelList, resolveTarget } from "./target";

/** Default of GATEWAY_TIMEOUT_MS: the wait for an upstream's response headers. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Candidates asked of routing: the chosen model and two alternatives to fail over to. */
const TOP_K = 3;

export interface GatewayOptions {
  context: RoutingContext;
  experiments: RunningExperiments;
  recorder: MetricsRecorder;
  breakers: CircuitBreakers;
}

const ROUTER_HEADERS = {
  "x-router-decision-id": { description: "The routing decision", schema: { type: "string" as const } },
  "x-router-model": { description: "The registry id of the model that answered", schema: { type: "string" as const } },
  "x-router-node": { description: "The node that answered", schema: { type: "string" as const } },
  "x-router-attempts": { description: "Requests sent to nodes, this one included", schema: { type: "integer" as const } },
  "x-router-experiment": { description: "The experiment the request was assigned in, if any", schema: { type: "string" as const } },
  "x-router-variant": { description: "Its variant: post the outcome to /v1/experiments/{id}/events", schema: { type: "string" as const } },
};

const chat = createRoute({
  method: "post",
  path: "/v1/chat/completions",
  tags: ["gateway"],
  summary: "OpenAI-compatible chat completions, routed to a model and GPU and forwarded to the node",
  description:
    "`model`: `auto`, `auto:<category>` or a registry model id. The body goes to the chosen node's `/v1/chat/completions` with `model` " +
    "set to the model's Hugging Face repo; the answer (JSON, or server-sent events with `stream: true`) comes back as it is. A network " +
    "error, timeout or 5xx tries the next candidate (at most 3 attempts); see docs/gateway.md.",
  middleware: [requireClient, jsonBody()] as const,
  request: {
    headers: ChatHeadersSchema,
    body: { required: true, content: { "application/json": { schema: ChatRequestSchema } } },
  },
  responses: {
    200: { description: "The node's answer, passed through with its status (any status below 500) and content type", headers: ROUTER_HEADERS },
    ...pickProblems(400, 401, 404, 413, 415, 422, 503),
    502: {
      description: "Every attempt failed; `errors` and `attempts` name each node tried and what happened",
      content: { "application/problem+json": { schema: ProblemSchema } },
    },
  },
});

const models = createRoute({
  method: "get",
  path: "/v1/models",
  tags: ["gateway"],
  summary: "What `model` may name, in OpenAI's list format: auto, auto:<category> and every registry model",
  middleware: [requireClient] as const,
  responses: {
    200: jsonResponse("The list", ModelListSchema),
    ...pickProblems(401, 503),
  },
});

export function gatewayRoutes(options: GatewayOptions) {
  const { context, experiments, recorder, breakers } = options;
  return createRouter()
    .openapi(models, async (c) => c.json(modelList(await context.get(c.env, Date.now())), 200))
    .openapi(chat, async (c) => {
      const now = Date.now();
      const body = c.req.valid("json");
      const headers = c.req.valid("header");
      const [loaded, running] = await Promise.all([context.get(c.env, now), experiments.get(c.env, now)]);
      const target = resolveTarget(loaded, body.model, c.env.GATEWAY_DEFAULT_CATEGORY || DEFAULT_CATEGORY);
      const request: RouteRequest = {
        category: target.category,
        top_k: TOP_K,
        explain: false,
        ...(headers["x-request-id"] !== undefined ? { request_id: headers["x-request-id"] } : {}),
        ...(headers["x-unit-id"] !== undefined ? { unit_id: headers["x-unit-id"] } : {}),
        ...(target.model !== null ? { constraints: { allow_models: [target.model] } } : {}),
      };
      // Exactly as POST /v1/route: proxied traffic takes part in experiments and is counted in them.
      const { decision, assignment } = routeWithExperiment({ loaded, request, now_ms: now, decision_id: crypto.randomUUID(), experiments: running });
      if (assignment) recordAssignmentLater(c, assignment);
      c.set("decision", decision);
      if (destinations(decision).length === 0) throw nothingPlaced(decision, retryAfterSeconds(loaded));

      const result = await failover({
        decision,
        body,
        breakers,
        timeout_ms: intSetting(c.env.GATEWAY_TIMEOUT_MS, DEFAULT_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS,
        nodeToken: nodeTokens(c.env),
        endpointPolicy: endpointPolicy(c.env, c.req.url),
        requestId: headers["x-request-id"],
        now: Date.now,
      });
      countAttempts(c, recorder, result.attempts, Date.now());
      const routerHeaders = answerHeaders(decision, result.attempts.length);
      if (result.kind === "failed") {
        if (result.attempts.length > 0) throw allFailed(result.attempts, routerHeaders);
        throw result.skipped.length > 0 ? allSkipped(decision, result.skipped, result.retry_in_ms, routerHeaders) : allRefused(result.refused, routerHeaders);
      }

      const upstream = result.response;
      const out = new Headers(routerHeaders);
      out.set("x-router-model", result.destination.model.id);
      out.set("x-router-node", result.destination.node);
      const type = upstream.headers.get("content-type");
      if (type) out.set("content-type", type);
      // The body streams through as it arrives (server-sent events included); nothing is buffered.
      return new Response(upstream.body, { status: upstream.status, headers: out });
    });
}

/** Headers every answer carries, the 502 included. */
function answerHeaders(decision: Decision, attempts: number): Record<string, string> {
  const headers: Record<string, string> = { "x-router-decision-id": decision.decision_id, "x-router-attempts": String(attempts) };
  if (decision.experiment) {
    headers["x-router-experiment"] = decision.experiment.id;
    headers["x-router-variant"] = decision.experiment.variant;
  }
  return headers;
}

function nothingPlaced(decision: Decision, retryAfter: number): Problem {
  return new Problem({
    status: 503,
    title: "No node to forward to",
    detail: `'${decision.category}' routes to ${decision.model.id}, but no fresh, healthy node with an endpoint can take it (none reports telemetry with --node-endpoint); retry in ${retryAfter}s`,
    errors: [{ path: "placement", message: "no candidate has a placement with an endpoint" }],
    extensions: { decision_id: decision.decision_id },
    headers: { "retry-after": String(retryAfter), "x-router-decision-id": decision.decision_id },
  });
}

function allSkipped(decision: Decision, skipped: readonly string[], retryInMs: number, headers: Record<string, string>): Problem {
  const retryAfter = Math.max(1, Math.ceil(retryInMs / 1000));
  return new Problem({
    status: 503,
    title: "Upstreams unavailable",
    detail: `every candidate node for '${decision.category}' failed recently (circuit breaker open); retry in ${retryAfter}s`,
    errors: skipped.map((node, i) => ({ path: `candidates.${i}`, message: `${node}: circuit breaker open` })),
    extensions: { decision_id: decision.decision_id },
    headers: { ...headers, "retry-after": String(retryAfter) },
  });
}

/** Every candidate's endpoint is refused by the endpoint policy (docs/security.md): nothing was sent. */
function allRefused(refused: readonly string[], headers: Record<string, string>): Problem {
  return new Problem({
    status: 502,
    title: "Upstreams refused",
    detail: `no request was sent: every candidate's endpoint is outside the endpoint policy (${refused.join("; ")})`,
    errors: refused.map((message, i) => ({ path: `candidates.${i}`, message })),
    headers,
  });
}

function allFailed(attempts: readonly Attempt[], headers: Record<string, string>): Problem {
  return new Problem({
    status: 502,
    title: "Upstreams failed",
    detail: `${attempts.length} attempt(s), none answered: ${attempts.map((a) => `${a.node} ${a.status ?? a.error}`).join(", ")}`,
    errors: attempts.map((a, i) => ({ path: `attempts.${i}`, message: `${a.node} (${a.model}): ${a.message}` })),
    extensions: { attempts },
    headers,
  });
}
