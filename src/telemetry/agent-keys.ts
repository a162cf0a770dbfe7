/**
 * The AGENT_KEYS secret: which keys each agent signs with, and optionally which nodes it owns.
 *
 *   {"rack1": ["key", "next-key"]}                                  keys only: nodes are claimed first, then kept
 *   {"rack2": {"keys": ["key"], "nodes": ["rack2-*", "gpu-7"], "max_nodes": 16}}
 *
 * Two keys per agent allow rotation: add the new key second, move agents over, drop the old one.
 * `nodes` (exact names, or prefixes ending in `*`) declares ownership: the agent may push only
 * those nodes, and no other agent may claim them. Declarations of two agents may not overlap.
 * `max_nodes` caps how many nodes the agent may hold at once (default MAX_NODES_PER_AGENT).
 * Read by agent-auth.ts on each push (parsing is cheap next to the HMAC).
 */
import { z } from "@hono/zod-openapi";
import { zodIssues } from "../registry/validation";
import { AgentIdSchema } from "./snapshot";

/** Nodes one agent may hold at once unless AGENT_KEYS or MAX_NODES_PER_AGENT says otherwise. */
export const DEFAULT_MAX_NODES_PER_AGENT = 64;

const Key = z.string().min(16, "keys need at least 16 characters").max(512);
const Keys = z.union([Key, z.array(Key).min(1).max(2)]);
const NodePattern = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\*?$/, "a node name, or a prefix ending in '*'");
const AgentEntry = z.union([
  Keys,
  z.strictObject({ keys: Keys, nodes: z.array(NodePattern).min(1).max(256).optional(), max_nodes: z.number().int().min(1).max(10_000).optional() }),
]);
const AgentKeysSchema = z.record(AgentIdSchema, AgentEntry);

export interface AgentConfig {
  keys: readonly string[];
  /** Declared node patterns; null = claims nodes first come, first kept. */
  nodes: readonly string[] | null;
  /** Set only when AGENT_KEYS names it; otherwise MAX_NODES_PER_AGENT applies. */
  max_nodes: number | null;
}

export type AgentKeys = ReadonlyMap<string, AgentConfig>;

/** Why AGENT_KEYS cannot be used; the route answers 403 with it (no key material in the message). */
export class AgentKeysError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AgentKeysError";
  }
}

/** Whether `node` matches `pattern` (an exact name, or a prefix ending in `*`). */
export function matchesNode(pattern: string, node: string): boolean {
  return pattern.endsWith("*") ? node.startsWith(pattern.slice(0, -1)) : node === pattern;
}

/** Two patterns overlap when some node name matches both. */
function overlap(a: string, b: string): boolean {
  const stem = (p: string) => (p.endsWith("*") ? p.slice(0, -1) : p);
  if (a.endsWith("*") && b.endsWith("*")) return stem(a).startsWith(stem(b)) || stem(b).startsWith(stem(a));
  if (a.endsWith("*")) return matchesNode(a, b);
  if (b.endsWith("*")) return matchesNode(b, a);
  return a === b;
}

export function parseAgentKeys(raw: string | undefined): AgentKeys {
  if (raw === undefined || raw.trim() === "") throw new AgentKeysError("AGENT_KEYS is not configured");
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new AgentKeysError("AGENT_KEYS is not valid JSON");
  }
  const parsed = AgentKeysSchema.safeParse(json);
  if (!parsed.success) {
    const where = zodIssues(parsed.error).map((e) => `${e.path}: ${e.message}`).join("; ");
    throw new AgentKeysError(`AGENT_KEYS is malformed (${where})`);
  }
  const agents = new Map<string, AgentConfig>();
  for (const [id, entry] of Object.entries(parsed.data)) {
    const object = typeof entry === "object" && !Array.isArray(entry) ? entry : null;
    const keys = object ? object.keys : entry as string | string[];
    agents.set(id, { keys: typeof keys === "string" ? [keys] : keys, nodes: object?.nodes ?? null, max_nodes: object?.max_nodes ?? null });
  }
  const declared = [...agents].flatMap(([id, config]) => (config.nodes ?? []).map((pattern) => ({ id, pattern })));
  for (const [i, a] of declared.entries()) {
    const clash = declared.slice(i + 1).find((b) => b.id !== a.id && overlap(a.pattern, b.pattern));
    if (clash) throw new AgentKeysError(`AGENT_KEYS is malformed (agents '${a.id}' and '${clash.id}' both declare nodes matching '${a.pattern}' / '${clash.pattern}')`);
  }
  return agents;
}

/**
 * Whether `agent` may push `node` by declaration: "own" (it declares a matching pattern), "other"
 * (another agent declares it), "undeclared" (nobody does: first claim wins), or "outside" (the
 * agent declares nodes, and this is not one of them).
 */
export function declaredOwner(keys: AgentKeys, agent: string, node: string): "own" | "other" | "undeclared" | "outside" {
  const mine = keys.get(agent)?.nodes ?? null;
  if (mine !== null) return mine.some((p) => matchesNode(p, node)) ? "own" : "outside";
  for (const [id, config] of keys) if (id !== agent && config.nodes?.some((p) => matchesNode(p, node))) return "other";
  return "undeclared";
}
