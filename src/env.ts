/**
 * Bindings and configuration of the worker. Secrets (ADMIN_TOKEN, AGENT_KEYS, CLIENT_KEYS, NODE_TOKENS, NODE_TOKEN) come
 * from wrangler secrets or .dev.vars, never from code; plain settings come from [vars].
 */
import type { ExperimentObject } from "./experiments/object";
import type { BreakerObject } from "./gateway/shared-breakers";
import type { MetricsObject } from "./operator/metrics/object";
import type { SessionObject } from "./operator/session-object";
import type { RegistryObject } from "./registry/object";
import type { AgentObject } from "./telemetry/agent-object";
import type { NodeObject } from "./telemetry/node-object";

export interface Env {
  ROUTER_KV: KVNamespace;
  /** One Durable Object per A/B experiment, named by the experiment id (src/experiments/object.ts). */
  EXPERIMENTS: DurableObjectNamespace<ExperimentObject>;
  /** The one metrics Durable Object ("global"): counters that outlive isolates, recent decisions (src/operator/metrics/object.ts). */
  METRICS: DurableObjectNamespace<MetricsObject>;
  /** The registry's single writer (one object, "global"): versions, compare-and-swap, history (src/registry/object.ts). */
  REGISTRY: DurableObjectNamespace<RegistryObject>;
  /** Logged-out dashboard sessions (one object, "global"): POST /logout revokes here, GET / checks (src/operator/session-object.ts). */
  SESSIONS: DurableObjectNamespace<SessionObject>;
  /** One Durable Object per node, named by the node: the single writer of its ownership, sequence and KV key (src/telemetry/node-object.ts). */
  NODES: DurableObjectNamespace<NodeObject>;
  /** One Durable Object per agent, named by the agent id: the nodes it holds, for MAX_NODES_PER_AGENT (src/telemetry/agent-object.ts). */
  AGENTS: DurableObjectNamespace<AgentObject>;
  /** The one shared-breakers Durable Object ("breakers"): open breakers and busy nodes every isolate reads (src/gateway/shared-breakers.ts). */
  BREAKERS: DurableObjectNamespace<BreakerObject>;
  /** Nodes one agent may hold at once (default 64); AGENT_KEYS may set max_nodes per agent. */
  MAX_NODES_PER_AGENT?: string;
  /** GPUs one node may report (default 16). */
  MAX_GPUS_PER_NODE?: string;
  /** Milliseconds between an isolate's flushes of its counts into METRICS (default 1000; 0 = after every counted request). */
  METRICS_FLUSH_MS?: string;
  /** Optional bearer token for GET /metrics (a scraper's own secret); the admin token works too. Unset = /metrics is guarded like admin calls. */
  METRICS_TOKEN?: string;
  /** Bearer token for admin calls (PUT /v1/registry, experiments create/stop). Unset = admin calls refused. */
  ADMIN_TOKEN?: string;
  /** Comma-separated client keys; when set, client calls need `Authorization: Bearer <key>`. */
  CLIENT_KEYS?: string;
  /** Agent HMAC keys, JSON `{"agent-id": ["key", "next-key"]}` (two during a rotation); unset = telemetry refused. */
  AGENT_KEYS?: string;
  /** How long an isolate trusts its cached registry/fleet before asking KV again, in ms. */
  CACHE_TTL_MS?: string;
  /** The category `model: "auto"` routes to in POST /v1/chat/completions and /v1/completions (default general_chat). */
  GATEWAY_DEFAULT_CATEGORY?: string;
  /** The category `model: "auto"` routes to in POST /v1/embeddings (default embedding; must be `embedding` or below it). */
  GATEWAY_EMBEDDING_CATEGORY?: string;
  /** Milliseconds the proxy waits for a node's response headers before trying the next candidate (default 60000). */
  GATEWAY_TIMEOUT_MS?: string;
  /** Fleet-wide fallback bearer token the proxy sends to nodes not listed in NODE_TOKENS; unset = none sent. */
  NODE_TOKEN?: string;
  /** Per-node bearer tokens for the proxy, JSON `{"node" or "prefix*": "token"}` (src/telemetry/node-tokens.ts). */
  NODE_TOKENS?: string;
  /** Allowlist of node endpoints: hosts, CIDRs and ports (src/telemetry/endpoint-allowlist.ts); unset = the default policy only. */
  NODE_ENDPOINT_ALLOW?: string;
}

export interface AppEnv {
  Bindings: Env;
}

/** Parses a non-negative integer setting, falling back to `fallback` when absent or malformed. */
export function intSetting(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  return Number.isInteger(value) && value >= 0 ? value : fallback;
}
