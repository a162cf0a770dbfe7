/**
 * The AGENT_KEYS secret: JSON `{"agent-id": ["key", "next-key"]}` (a single string is one key).
 * Two keys per agent allow rotation: add the new key second, move agents over, drop the old one.
 * Read by the telemetry route on each push (parsing is cheap next to the HMAC).
 */
import { z } from "@hono/zod-openapi";
import { zodIssues } from "../registry/validation";
import { AgentIdSchema } from "./snapshot";

const Key = z.string().min(16, "keys need at least 16 characters").max(512);
const AgentKeysSchema = z.record(AgentIdSchema, z.union([Key, z.array(Key).min(1).max(2)]));

export type AgentKeys = ReadonlyMap<string, readonly string[]>;

/** Why AGENT_KEYS cannot be used; the route answers 403 with it (no key material in the message). */
export class AgentKeysError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AgentKeysError";
  }
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
  return new Map(Object.entries(parsed.data).map(([id, keys]) => [id, typeof keys === "string" ? [keys] : keys]));
}
