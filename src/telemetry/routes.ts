/**
 * POST /v1/telemetry (agents push signed snapshots) and GET /v1/fleet (what routing sees).
 * Mounted by src/app.ts. The signature, size and skew checks run first (agent-auth.ts), then the
 * body is validated (JSON) or parsed (raw nvidia-smi text), then the node's key is read once for
 * the sequence check and written once.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { requireClient } from "../auth";
import { badRequest, conflict } from "../errors";
import { pickProblems, jsonResponse } from "../problem-schema";
import type { RoutingContext } from "../routing/context";
import { createRouter } from "../validate";
import { requireAgentSignature } from "./agent-auth";
import { checkEndpoint, endpointPolicy } from "./endpoint-policy";
import { snapshotFromText } from "./ingest";
import { FleetViewSchema, TelemetryAcceptedSchema } from "./schema";
import { AGENT_HEADER, MAX_SKEW_S, SIGNED_HEADERS, TIMESTAMP_HEADER } from "./signature";
import { SnapshotSchema, type Snapshot } from "./snapshot";
import { TelemetryStore } from "./store";
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
  middleware: [requireClient] as const,
  responses: { 200: jsonResponse("The fleet routing sees", FleetViewSchema), ...pickProblems(401) },
});

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
      if (snapshot.agent_id !== agentId) {
        throw badRequest("the snapshot's agent_id differs from X-Agent-Id", [{ path: "agent_id", message: `expected '${agentId}'` }]);
      }
      if (Date.parse(snapshot.taken_at) > now + MAX_SKEW_S * 1000) {
        throw badRequest("the snapshot is dated in the future", [{ path: "taken_at", message: `more than ${MAX_SKEW_S} s ahead of the router's clock` }]);
      }
      if (snapshot.endpoint !== null) {
        const checked = checkEndpoint(snapshot.endpoint, endpointPolicy(c.env, c.req.url));
        if (!checked.ok) {
          throw badRequest(`node endpoint refused: ${checked.message}`, [{ path: json ? "endpoint" : "header.x-node-endpoint", message: checked.message }]);
        }
        snapshot = { ...snapshot, endpoint: checked.endpoint };
      }
      const store = new TelemetryStore(c.env.ROUTER_KV);
      const previous = await store.read(snapshot.node);
      if (previous && previous.agent_id !== agentId) {
        throw conflict(`node '${snapshot.node}' is reported by agent '${previous.agent_id}'`, [
          { path: "node", message: `owned by agent '${previous.agent_id}' until its entry expires` },
        ]);
      }
      if (previous && snapshot.seq <= previous.seq) {
        const what = snapshot.seq === previous.seq ? "replayed" : "older";
        throw conflict(`${what} snapshot: node '${snapshot.node}' is at seq ${previous.seq}`, [
          { path: "seq", message: `must be greater than ${previous.seq}` },
        ]);
      }
      await store.write(snapshot, new Date(now));
      // No registry or fleet read here: a push costs exactly one KV read and one write.
      return c.json({ accepted: true as const, node: snapshot.node, seq: snapshot.seq, gpus: snapshot.gpus.length, taken_at: snapshot.taken_at }, 202);
    })
    .openapi(getFleet, async (c) => {
      const now = Date.now();
      const loaded = await context.get(c.env, now);
      return c.json(buildFleetView({ nodes: loaded.fleet, config: loaded.registry.config, registryVersion: loaded.registry.version, now_ms: now }), 200);
    });
}
