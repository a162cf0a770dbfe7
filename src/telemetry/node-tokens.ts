/**
 * Which bearer token the gateway sends to a node's inference server. NODE_TOKENS (a secret) is
 * JSON mapping node names, or name prefixes ending in `*`, to tokens:
 *
 *   {"gpu-a1": "token-for-a1", "rack2-*": "token-for-rack2"}
 *
 * An exact name wins, then the longest matching prefix. So each node (or each agent's group of
 * nodes, when its nodes share a prefix) gets its own token, and a node that leaks or logs its
 * token exposes only itself. NODE_TOKEN, one token for every node not listed, remains as a
 * fallback for small trusted fleets (docs/security.md says what it costs). A malformed
 * NODE_TOKENS sends no token at all (fail closed) and is logged. Called by the gateway per attempt.
 */
import { z } from "@hono/zod-openapi";
import type { Env } from "../env";

const Pattern = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\*?$|^\*$/, "a node name, or a prefix ending in '*'");
/** NODE_TOKENS as JSON; also checked by `npm run deploy` before an upload. */
export const NodeTokensSchema = z.record(Pattern, z.string().min(16, "tokens need at least 16 characters").max(4096));

export type NodeTokenLookup = (node: string) => string | undefined;

/** The token lookup for this request's configuration. */
export function nodeTokens(env: Pick<Env, "NODE_TOKENS" | "NODE_TOKEN">): NodeTokenLookup {
  const fallback = env.NODE_TOKEN || undefined;
  if (env.NODE_TOKENS === undefined || env.NODE_TOKENS.trim() === "") return () => fallback;
  let parsed: Record<string, string>;
  try {
    parsed = NodeTokensSchema.parse(JSON.parse(env.NODE_TOKENS));
  } catch {
    // No token material in the message: only that the secret cannot be read.
    console.error("NODE_TOKENS is not a JSON object of node name (or prefix*) -> token of 16+ characters; no node token is sent until it is fixed");
    return () => undefined;
  }
  const exact = new Map<string, string>();
  const prefixes: Array<[string, string]> = [];
  for (const [pattern, token] of Object.entries(parsed)) {
    if (pattern.endsWith("*")) prefixes.push([pattern.slice(0, -1), token]);
    else exact.set(pattern, token);
  }
  prefixes.sort((a, b) => b[0].length - a[0].length);
  return (node) => exact.get(node) ?? prefixes.find(([prefix]) => node.startsWith(prefix))?.[1] ?? fallback;
}
