/**
 * Trying a decision's candidates in order until one answers: the chosen placement, then each
 * alternative that has a placement with an endpoint. A node whose breaker is open is skipped, and
 * so is an endpoint that already timed out or refused the connection in this request; a network
 * error, timeout or 5xx moves on; any other answer (2xx, 3xx, 4xx) is the upstream's answer to
 * the client. At most MAX_ATTEMPTS requests leave the router. Called by routes.ts.
 */
import type { Candidate, Decision } from "../routing/schema";
import { checkEndpoint, type EndpointPolicy } from "../telemetry/endpoint-policy";
import type { NodeTokenLookup } from "../telemetry/node-tokens";
import type { CircuitBreakers } from "./breaker";
import type { ChatRequest } from "./schema";
import { callUpstream, type UpstreamErrorKind } from "./upstream";

export const MAX_ATTEMPTS = 3;

/** A candidate the proxy can send to: a model on a node with an endpoint. */
export interface Destination {
  node: string;
  endpoint: string;
  model: Candidate["model"];
}

/** One request that left the router, as the 502 body and the metrics report it. */
export interface Attempt {
  node: string;
  endpoint: string;
  model: string;
  /** The upstream's HTTP status, when it answered. */
  status: number | null;
  /** Why it did not count as an answer; null when it did. */
  error: UpstreamErrorKind | null;
  message: string | null;
}

export interface FailoverInput {
  decision: Decision;
  body: ChatRequest;
  breakers: CircuitBreakers;
  timeout_ms: number;
  /** The bearer token for a node (NODE_TOKENS, else NODE_TOKEN). */
  nodeToken: NodeTokenLookup;
  /** Checked before any request leaves: an endpoint the policy refuses is never contacted. */
  endpointPolicy: EndpointPolicy;
  requestId: string | undefined;
  /** The clock the breakers run on (Date.now in the worker). */
  now: () => number;
}

export type FailoverResult =
  | { kind: "answered"; response: Response; destination: Destination; attempts: Attempt[] }
  /** `attempts` empty: every candidate was skipped (open breakers, or `refused` by the endpoint policy); `retry_in_ms` says when a breaker reopens. */
  | { kind: "failed"; attempts: Attempt[]; skipped: string[]; refused: string[]; retry_in_ms: number };

/** The chosen placement, then each alternative's, keeping only those with an endpoint. */
export function destinations(decision: Decision): Destination[] {
  const all = [{ model: decision.model, placement: decision.placement }, ...decision.alternatives];
  return all.flatMap((c) => (c.placement?.endpoint ? [{ node: c.placement.node, endpoint: c.placement.endpoint, model: c.model }] : []));
}

export async function failover(input: FailoverInput): Promise<FailoverResult> {
  const attempts: Attempt[] = [];
  const skipped: string[] = [];
  const refused: string[] = [];
  const unreachable = new Set<string>();
  let retry_in_ms = Infinity;
  for (const target of destinations(input.decision)) {
    if (attempts.length >= MAX_ATTEMPTS) break;
    if (unreachable.has(target.endpoint)) continue;
    const allowed = checkEndpoint(target.endpoint, input.endpointPolicy);
    if (!allowed.ok) {
      refused.push(`${target.node}: endpoint refused: ${allowed.message}`);
      continue;
    }
    const breaker = input.breakers.for(target.endpoint, target.node, input.now());
    if (!breaker.tryAcquire(input.now())) {
      skipped.push(target.node);
      retry_in_ms = Math.min(retry_in_ms, breaker.retryInMs(input.now()));
      continue;
    }
    const result = await callUpstream({
      endpoint: allowed.endpoint,
      servedName: target.model.hf_repo,
      body: input.body,
      timeout_ms: input.timeout_ms,
      nodeToken: input.nodeToken(target.node),
      requestId: input.requestId,
    });
    if (result.kind === "answered") {
      breaker.success();
      attempts.push({ node: target.node, endpoint: target.endpoint, model: target.model.id, status: result.response.status, error: null, message: null });
      return { kind: "answered", response: result.response, destination: target, attempts };
    }
    breaker.failure(input.now());
    if (result.error !== "http_5xx") unreachable.add(target.endpoint);
    attempts.push({ node: target.node, endpoint: target.endpoint, model: target.model.id, status: result.status, error: result.error, message: result.message });
  }
  return { kind: "failed", attempts, skipped, refused, retry_in_ms: Number.isFinite(retry_in_ms) ? retry_in_ms : 0 };
}
