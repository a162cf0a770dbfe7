/**
 * Accepting one verified push (POST /v1/telemetry, after agent-auth.ts checked the signature and
 * routes.ts built the snapshot): the checks that need no state, in order, then the node's Durable
 * Object, which decides ownership and sequence and writes KV (node-object.ts). Every refusal is a
 * Problem naming the field; nothing is stored unless all checks pass.
 */
import { badRequest, conflict, Problem, type FieldError } from "../errors";
import { intSetting, type Env } from "../env";
import { DEFAULT_MAX_NODES_PER_AGENT, declaredOwner, type AgentConfig, type AgentKeys } from "./agent-keys";
import { checkEndpoint, endpointPolicy } from "./endpoint-policy";
import { ClaimSchema } from "./agent-object";
import { AcceptOutcomeSchema } from "./node-object";
import { MAX_SKEW_S } from "./signature";
import type { Snapshot } from "./snapshot";
import { TelemetryStore } from "./store";

/** GPUs one node may report unless MAX_GPUS_PER_NODE says otherwise: an HGX board has 8, the largest single hosts 16. */
export const DEFAULT_MAX_GPUS_PER_NODE = 16;

export interface PushInput {
  env: Env;
  snapshot: Snapshot;
  agent: string;
  keys: AgentKeys;
  config: AgentConfig;
  /** The verified X-Timestamp, Unix seconds. */
  signedAt: number;
  now_ms: number;
  /** The URL the push was sent to: the router's own host, for the endpoint policy. */
  requestUrl: string;
  /** Where the endpoint came from, for the 400: `endpoint` (JSON) or `header.x-node-endpoint` (raw). */
  endpointPath: string;
}

const forbidden = (detail: string, errors: FieldError[]) => new Problem({ status: 403, title: "Forbidden", detail, errors });

/**
 * A Durable Object that is overloaded or was reset (it answers with `overloaded` / `retryable`
 * errors) is the router's problem, not the agent's: 503 with Retry-After, which the agent retries.
 */
async function objectCall(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return await call();
  } catch (error) {
    const flags = error as { overloaded?: unknown; retryable?: unknown; durableObjectReset?: unknown };
    if (!(error instanceof Error) || !(flags.overloaded || flags.retryable || flags.durableObjectReset)) throw error;
    throw new Problem({
      status: 503,
      title: "Busy",
      detail: "the node's state is busy with other pushes; retry shortly",
      errors: [{ path: "node", message: "the node's single writer is overloaded" }],
      headers: { "retry-after": "1" },
    });
  }
}

const nodeCap = (agent: string, nodes: number, max: number) =>
  forbidden(`agent '${agent}' already holds ${nodes} nodes`, [{ path: "node", message: `at most ${max} nodes per agent (MAX_NODES_PER_AGENT, or max_nodes in AGENT_KEYS)` }]);

/** Checks and stores `input.snapshot`; returns the snapshot as stored (normalized endpoint). Throws Problem. */
export async function acceptPush(input: PushInput): Promise<Snapshot> {
  let snapshot = input.snapshot;
  if (snapshot.agent_id !== input.agent) {
    throw badRequest("the snapshot's agent_id differs from X-Agent-Id", [{ path: "agent_id", message: `expected '${input.agent}'` }]);
  }
  if (Date.parse(snapshot.taken_at) > input.now_ms + MAX_SKEW_S * 1000) {
    throw badRequest("the snapshot is dated in the future", [{ path: "taken_at", message: `more than ${MAX_SKEW_S} s ahead of the router's clock` }]);
  }
  // A sequence number far above the clock would lock the node out until it expires (a day).
  const maxSeq = (input.signedAt + MAX_SKEW_S) * 1000;
  if (snapshot.seq > maxSeq) {
    throw badRequest("the sequence number is ahead of the signed timestamp", [{ path: "seq", message: `at most ${maxSeq}: (X-Timestamp + ${MAX_SKEW_S} s) in milliseconds` }]);
  }
  const maxGpus = intSetting(input.env.MAX_GPUS_PER_NODE, DEFAULT_MAX_GPUS_PER_NODE) || DEFAULT_MAX_GPUS_PER_NODE;
  if (snapshot.gpus.length > maxGpus) {
    throw badRequest(`${snapshot.gpus.length} GPUs is over the cap`, [{ path: "gpus", message: `at most ${maxGpus} GPUs per node (MAX_GPUS_PER_NODE)` }]);
  }
  if (snapshot.endpoint !== null) {
    const checked = checkEndpoint(snapshot.endpoint, endpointPolicy(input.env, input.requestUrl));
    if (!checked.ok) throw badRequest(`node endpoint refused: ${checked.message}`, [{ path: input.endpointPath, message: checked.message }]);
    snapshot = { ...snapshot, endpoint: checked.endpoint };
  }
  const declared = declaredOwner(input.keys, input.agent, snapshot.node);
  if (declared === "outside" || declared === "other") {
    const message = declared === "outside" ? `agent '${input.agent}' declares its nodes in AGENT_KEYS, and this is not one` : "declared in AGENT_KEYS as another agent's node";
    throw forbidden(`node '${snapshot.node}': ${message}`, [{ path: "node", message }]);
  }
  const maxNodes = input.config.max_nodes ?? (intSetting(input.env.MAX_NODES_PER_AGENT, DEFAULT_MAX_NODES_PER_AGENT) || DEFAULT_MAX_NODES_PER_AGENT);
  // KV says whether this agent already holds the node (a hint: the node's object decides). When it
  // does not, the cap is checked first, so a flood of refused new names never creates node objects.
  const previous = await new TelemetryStore(input.env.ROUTER_KV).read(snapshot.node);
  if (previous?.agent_id !== input.agent) {
    const room = ClaimSchema.parse(await objectCall(() => input.env.AGENTS.getByName(input.agent).mayClaim(snapshot.node, input.now_ms, maxNodes)));
    if (!room.ok) throw nodeCap(input.agent, room.nodes, maxNodes);
  }
  const outcome = AcceptOutcomeSchema.parse(
    await objectCall(() => input.env.NODES.getByName(snapshot.node).accept({ agent: input.agent, snapshot, now_ms: input.now_ms, declared: declared === "own", max_nodes: maxNodes })),
  );
  switch (outcome.status) {
    case "accepted":
      return snapshot;
    case "owned":
      throw conflict(`node '${snapshot.node}' is reported by agent '${outcome.owner}'`, [
        { path: "node", message: `owned by agent '${outcome.owner}' until a day after its last push (or the operator deletes it)` },
      ]);
    case "stale_seq": {
      const what = snapshot.seq === outcome.seq ? "replayed" : "older";
      throw conflict(`${what} snapshot: node '${snapshot.node}' is at seq ${outcome.seq}`, [{ path: "seq", message: `must be greater than ${outcome.seq}` }]);
    }
    case "node_cap":
      throw nodeCap(input.agent, outcome.nodes, outcome.max_nodes);
  }
}
