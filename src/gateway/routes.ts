/**
 * The OpenAI-compatible gateway's routes: POST /v1/chat/completions, /v1/completions and
 * /v1/embeddings decide like POST /v1/route (with experiments) and forward to the chosen node
 * (proxy.ts); GET /v1/models lists what `model` may name. Every error answer on them carries
 * OpenAI's `error` object too (openai-error.ts). Mounted by src/app.ts; see docs/gateway.md.
 */
import { createRoute } from "@hono/zod-openapi";
import { requireClient } from "../auth";
import { pickProblems, ProblemSchema, jsonResponse } from "../problem-schema";
import { createRouter, jsonBody } from "../validate";
import { rawBody } from "./body";
import { openAiErrors } from "./openai-error";
import { proxy, type ProxyOptions } from "./proxy";
import { ChatHeadersSchema, ChatRequestSchema, CompletionRequestSchema, EmbeddingRequestSchema, ModelListSchema } from "./schema";
import { modelList } from "./target";

export { DEFAULT_TIMEOUT_MS } from "./proxy";
export type GatewayOptions = ProxyOptions;

const ROUTER_HEADERS = {
  "x-router-decision-id": { description: "The routing decision (also the event id of the outcome recorded in its experiment)", schema: { type: "string" as const } },
  "x-router-model": { description: "The registry id of the model that answered", schema: { type: "string" as const } },
  "x-router-node": { description: "The node that answered", schema: { type: "string" as const } },
  "x-router-attempts": { description: "Requests sent to nodes, this one included", schema: { type: "integer" as const } },
  "x-router-experiment": { description: "The experiment the request was assigned in, if any", schema: { type: "string" as const } },
  "x-router-variant": { description: "Its variant; the router records the outcome itself", schema: { type: "string" as const } },
};

const FAILED = {
  description: "Every attempt failed; `errors` and `attempts` name each node tried and what happened",
  content: { "application/problem+json": { schema: ProblemSchema } },
};

const FORWARDING =
  "The node receives the client's body byte for byte with only the top-level `model` replaced by the model's Hugging Face repo, and " +
  "its answer (JSON, or server-sent events with `stream: true`) comes back with its status and headers (less hop-by-hop ones and " +
  "Set-Cookie). The chosen model's context must hold the prompt plus max_tokens. A network error, timeout or 5xx tries the next " +
  "(model, node) candidate: the model's other replicas, then the alternatives (at most 3 attempts); a 429/503 with Retry-After marks " +
  "the node busy for that long and moves on; nodes with open circuit breakers (shared across isolates) or busy are left out of the " +
  "decision. Errors are problem+json with OpenAI's `error` object too. See docs/gateway.md.";

const common = {
  method: "post" as const,
  tags: ["gateway"],
  description: `\`model\`: \`auto\`, \`auto:<category>\` or a registry model id. ${FORWARDING}`,
  middleware: [openAiErrors(), requireClient, jsonBody(), rawBody()],
  responses: {
    200: { description: "The node's answer, passed through with its status (any status below 500) and headers", headers: ROUTER_HEADERS },
    ...pickProblems(400, 401, 404, 413, 415, 422, 503),
    502: FAILED,
  },
};

const chat = createRoute({
  ...common,
  path: "/v1/chat/completions",
  summary: "OpenAI-compatible chat completions, routed to a model and GPU and forwarded to the node",
  request: { headers: ChatHeadersSchema, body: { required: true, content: { "application/json": { schema: ChatRequestSchema } } } },
});

const completions = createRoute({
  ...common,
  path: "/v1/completions",
  summary: "OpenAI-compatible (legacy) completions, routed and forwarded like chat",
  request: { headers: ChatHeadersSchema, body: { required: true, content: { "application/json": { schema: CompletionRequestSchema } } } },
});

const embeddings = createRoute({
  ...common,
  path: "/v1/embeddings",
  summary: "OpenAI-compatible embeddings, routed to an embedding model (category `embedding` and below) and forwarded",
  request: { headers: ChatHeadersSchema, body: { required: true, content: { "application/json": { schema: EmbeddingRequestSchema } } } },
});

const models = createRoute({
  method: "get",
  path: "/v1/models",
  tags: ["gateway"],
  summary: "What `model` may name, in OpenAI's list format: auto, auto:<category> and every registry model",
  middleware: [openAiErrors(), requireClient] as const,
  responses: {
    200: jsonResponse("The list", ModelListSchema),
    ...pickProblems(401, 503),
  },
});

export function gatewayRoutes(options: GatewayOptions) {
  return createRouter()
    .openapi(models, async (c) => c.json(modelList(await options.context.get(c.env, Date.now())), 200))
    .openapi(chat, (c) =>
      proxy(c, options, { path: "/v1/chat/completions", kind: "generate" }, { body: { kind: "chat", body: c.req.valid("json") }, headers: c.req.valid("header") }),
    )
    .openapi(completions, (c) =>
      proxy(c, options, { path: "/v1/completions", kind: "generate" }, { body: { kind: "completion", body: c.req.valid("json") }, headers: c.req.valid("header") }),
    )
    .openapi(embeddings, (c) =>
      proxy(c, options, { path: "/v1/embeddings", kind: "embed" }, { body: { kind: "embedding", body: c.req.valid("json") }, headers: c.req.valid("header") }),
    );
}
