/**
 * POST /v1/telemetry (agents push signed snapshots) and GET /v1/fleet (what routing sees).
 * Mounted by src/app.ts. The signature, size and skew checks run first (agent-auth.ts), then the
 * body is validated (JSON) or parsed (raw nvidia-smi text), then push.ts checks it and hands it to
 * the node's Durable Object, which decides ownership and sequence and writes the node's KV key.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { clientKeysConfigured, isAdmin, requireAdmin, requireClient } from "../auth";
import { badRequest } from "../errors";
import { pickProblems, jsonResponse } from "../problem-schema";
import type { RoutingContext } from "../routing/context";
import { createRouter } from "../validate";
import { resolveServedName, servedNameIndex } from "../kernel/replicas";
import type { Registry } from "../registry/schema";
import { requireAgentSignature } from "./agent-auth";
import { snapshotFromText } from "./ingest";
import { acceptPush } from "./push";
import { FleetViewSchema, TelemetryAcceptedSchema } from "./schema";
import { AGENT_HEADER, SIGNED_HEADERS, TIMESTAMP_HEADER } from "./signature";
import { NodeNameSchema, SnapshotSchema, type Snapshot } from "./snapshot";
import { buildFleetView } from "./view";

const rawText = (description: string) => ({ schema: z.string().openapi({ description }) });

const postTelemetry = createRoute({
  method: "post",
  path: "/v1/telemetry",
  tags: ["telemetry"],
  summary: "Push a signed nvidia-smi snapshot for one node (agent)",
  description:
    "Signed with HMAC-SHA256 over \"<X-Timestamp>\\n<X-Node-Name>\\n<X-Node-Endpoint>\\n<X-Models>\\n<X-Query-Fields>\\n<body>\" " +
    "(header values as sent, empty when absent; headers X-Agent-Id, X-Timestamp, X-Signature; docs/telemetry.md). " +
    "Send the agent's JSON snapshot, or raw nvidia-smi output (CSV or `-q -x` XML) with X-Node-Name " +
    "(and optionally X-Node-Endpoint, X-Models, X-Query-Fields for csv,noheader).",
  middleware: [requireAgentSignature] as const,
  request: {
    body: {
      content: {
        "application/json": { schema: SnapshotSchema },
        "text/csv": rawText("nvidia-smi --query-gpu=… --format=csv[,noheader][,nounits]"),
        "application/xml": rawText("nvidia-smi -q -x"),
        "text/xml": rawText("nvidia-smi -q -x"),
        "text/plain": rawText("either; the format is detected"),
      },
    },
  },
  responses: {
    202: jsonResponse("Accepted and stored", TelemetryAcceptedSchema),
    ...pickProblems(400, 401, 403, 409, 413, 415),
  },
});

const getFleet = createRoute({
  method: "get",
  path: "/v1/fleet",
  tags: ["telemetry"],
  summary: "Nodes and GPUs with health, free memory, age and stale flag",
  description:
    "Node endpoints (internal URLs) are shown to the admin token, and to client keys when CLIENT_KEYS is set; to anyone else they are null and `endpoints_hidden` is true.",
  middleware: [requireClient] as const,
  responses: { 200: jsonResponse("The fleet routing sees", FleetViewSchema), ...pickProblems(401) },
});

const deleteNode = createRoute({
  method: "delete",
  path: "/v1/fleet/nodes/{node}",
  tags: ["telemetry"],
  summary: "Remove a node from the fleet and release it from its agent (admin)",
  description: "Deletes the node's KV key and its ownership record, so another agent may claim it; its agent's next push re-adds it.",
  middleware: [requireAdmin] as const,
  request: { params: z.object({ node: NodeNameSchema.openapi({ param: { name: "node", in: "path" } }) }) },
  responses: { 200: jsonResponse("Removed (or was not there)", z.object({ node: z.string(), released: z.boolean() }).openapi("NodeReleased")), ...pickProblems(400, 401, 403) },
});

/** The engines' served names as registry ids, and the names the registry does not know (for the agent's warnings). */
function engineModels(snapshot: Snapshot, registry: Registry): { resolved: string[]; unknown: string[] } {
  const names = servedNameIndex(registry);
  const resolved = new Set<string>();
  const unknown = new Set<string>();
  for (const name of snapshot.engines.flatMap((e) => e.models)) {
    const m = resolveServedName(names, name);
    if (m === undefined) unknown.add(name);
    else resolved.add(registry.models[m]!.id);
  }
  return { resolved: [...resolved].sort(), unknown: [...unknown].sort() };
}

function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}

export function telemetryRoutes(context: RoutingContext) {
  return createRouter()
    .openapi(postTelemetry, async (c) => {
      const now = Date.now();
      const agentId = c.req.header(AGENT_HEADER)!;
      const type = mediaType(c.req.header("content-type"));
      let snapshot: Snapshot;
      const json = /json$/.test(type);
      if (json) {
        const stray = SIGNED_HEADERS.filter((name) => c.req.header(name) !== undefined);
        if (stray.length > 0) {
          throw badRequest("a JSON snapshot carries its node, endpoint and models in the body", stray.map((name) => ({ path: `header.${name}`, message: "only for raw nvidia-smi uploads; put it in the JSON body" })));
        }
        // The route declares text bodies too, so the validated type includes string; JSON never is one.
        const body = c.req.valid("json");
        if (typeof body === "string") throw badRequest("expected a JSON object", [{ path: "body", message: "expected an object" }]);
        snapshot = body;
      } else {
        const timestamp = Number(c.req.header(TIMESTAMP_HEADER));
        snapshot = snapshotFromText({ text: await c.req.text(), contentType: type, agentId, timestamp, header: (n) => c.req.header(n) });
      }
      const { config, keys } = c.get("agent");
      const stored = await acceptPush({
        env: c.env, snapshot, agent: agentId, keys, config, signedAt: Number(c.req.header(TIMESTAMP_HEADER)), now_ms: now,
        requestUrl: c.req.url, endpointPath: json ? "endpoint" : "header.x-node-endpoint",
      });
      // The registry the isolate already holds maps the served names (a KV read only on a cold isolate); no fleet read.
      const engine_models = stored.engines.length > 0 ? engineModels(stored, (await context.current(c.env)).registry) : null;
      return c.json({ accepted: true as const, node: stored.node, seq: stored.seq, gpus: stored.gpus.length, taken_at: stored.taken_at, engine_models }, 202);
    })
    .openapi(deleteNode, async (c) => {
      const { node } = c.req.valid("param");
      const released = z.boolean().parse(await c.env.NODES.getByName(node).release(node));
      return c.json({ node, released }, 200);
    })
    .openapi(getFleet, async (c) => {
      const now = Date.now();
      const loaded = await context.get(c.env, now);
      const view = buildFleetView({ nodes: loaded.fleet, config: loaded.registry.config, registryVersion: loaded.registry.version, registryModels: loaded.registry.models, now_ms: now });
      // requireClient let the caller in; with CLIENT_KEYS set that took a key. Without it, only the admin sees internal URLs.
      if (clientKeysConfigured(c.env) || (await isAdmin(c))) return c.json(view, 200);
      return c.json({ ...view, endpoints_hidden: true, nodes: view.nodes.map((n) => ({ ...n, endpoint: null })) }, 200);
    });
}
