/**
 * The gateway's own answers when no node answered the client (problem+json; routes.ts adds
 * OpenAI's `error` object): each names what was tried or left out and, for a 503, when to retry.
 * Called by proxy.ts.
 */
import { Problem } from "../errors";
import type { Decision } from "../routing/schema";
import type { Exclusion } from "./breaker-cache";
import type { Attempt } from "./failover";

export function nothingPlaced(decision: Decision, retryAfter: number): Problem {
  return new Problem({
    status: 503,
    title: "No node to forward to",
    detail: `'${decision.category}' routes to ${decision.model.id}, but no fresh, healthy node with an endpoint can take it (none reports telemetry with --node-endpoint); retry in ${retryAfter}s`,
    errors: [{ path: "placement", message: "no candidate has a placement with an endpoint" }],
    extensions: { decision_id: decision.decision_id },
    headers: { "retry-after": String(retryAfter), "x-router-decision-id": decision.decision_id },
  });
}

export function allSkipped(decision: Decision, skipped: readonly string[], retryInMs: number, headers: Record<string, string>): Problem {
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

/**
 * Every candidate the request was sent to was busy (429/503 with Retry-After), or busy and failed:
 * 503 with Retry-After = the shortest wait a busy node asked for (at least 1 s).
 */
export function allBusy(decision: Decision, attempts: readonly Attempt[], retryInMs: number, headers: Record<string, string>): Problem {
  const retryAfter = Math.max(1, Math.ceil(retryInMs / 1000));
  return new Problem({
    status: 503,
    title: "Upstreams busy",
    detail: `every candidate node for '${decision.category}' was busy or failed (${attempts.map((a) => `${a.node} ${a.status ?? a.error}`).join(", ")}); retry in ${retryAfter}s`,
    errors: attempts.map((a, i) => ({ path: `attempts.${i}`, message: `${a.node} (${a.model}): ${a.message}` })),
    extensions: { decision_id: decision.decision_id, attempts },
    headers: { ...headers, "retry-after": String(retryAfter) },
  });
}

/**
 * Nothing could be placed once the nodes with open breakers or busy were left out (nothing was
 * sent): 503 with Retry-After = until the first of them is back (at least 1 s).
 */
export function allExcluded(category: string, exclusions: ReadonlyMap<string, Exclusion>, now_ms: number): Problem {
  const first = Math.min(...[...exclusions.values()].map((e) => e.until_ms));
  const retryAfter = Math.max(1, Math.ceil((first - now_ms) / 1000));
  const list = [...exclusions];
  return new Problem({
    status: 503,
    title: "Upstreams unavailable",
    detail: `every node that could serve '${category}' is busy or failing (${list.map(([node, e]) => `${node} ${e.reason}`).join(", ")}); retry in ${retryAfter}s`,
    errors: list.map(([node, e], i) => ({ path: `excluded.${i}`, message: `${node}: ${e.reason === "open" ? "circuit breaker open" : "busy (Retry-After)"} for ${Math.max(0, Math.ceil((e.until_ms - now_ms) / 1000))}s` })),
    headers: { "retry-after": String(retryAfter), "x-router-attempts": "0" },
  });
}

/** Every candidate's endpoint is refused by the endpoint policy (docs/security.md): nothing was sent. */
export function allRefused(refused: readonly string[], headers: Record<string, string>): Problem {
  return new Problem({
    status: 502,
    title: "Upstreams refused",
    detail: `no request was sent: every candidate's endpoint is outside the endpoint policy (${refused.join("; ")})`,
    errors: refused.map((message, i) => ({ path: `candidates.${i}`, message })),
    headers,
  });
}

export function allFailed(attempts: readonly Attempt[], headers: Record<string, string>): Problem {
  return new Problem({
    status: 502,
    title: "Upstreams failed",
    detail: `${attempts.length} attempt(s), none answered: ${attempts.map((a) => `${a.node} ${a.status ?? a.error}`).join(", ")}`,
    errors: attempts.map((a, i) => ({ path: `attempts.${i}`, message: `${a.node} (${a.model}): ${a.message}` })),
    extensions: { attempts },
    headers,
  });
}

/** The client left while the router waited for a node; nobody reads this answer (499 as nginx logs it). */
export function clientGone(headers: Record<string, string>): Problem {
  return new Problem({ status: 499, title: "Client closed request", detail: "the client went away before a node answered", headers });
}
