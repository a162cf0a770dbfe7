/**
 * Trying a request's candidates in order until one answers. A candidate whose endpoint the
 * endpoint policy refuses is never contacted (docs/security.md); one whose endpoint's breaker
 * is open is skipped, and so is an endpoint that already timed out or refused the connection in
 * this request; a network error, timeout or 5xx moves on; any other answer (2xx, 3xx, 4xx) is the
 * upstream's answer to the client. The client going away stops the loop. At most MAX_ATTEMPTS
 * requests leave the router. Called by proxy.ts.
 *
 * Two seams are kept for replica failover (issue 12, phase 2), which needs the serving-aware
 * kernel to return (model, node) pairs:
 * - candidates() is the one place that turns a decision into the ordered Destination list; with
 *   replicas it lists the chosen model's other replicas before the alternatives;
 * - FailoverInput.excluded (node names) is the per-request exclusion list: today it only skips;
 *   phase 2 passes it to the kernel at decision time (open breakers, busy nodes) and adds to it
 *   when a node answers 429/503 with Retry-After.
 */
import type { Decision } from "../routing/schema";
import { checkEndpoint, type EndpointPolicy } from "../telemetry/endpoint-policy";
import type { NodeTokenLookup } from "../telemetry/node-tokens";
import type { CircuitBreakers } from "./breaker";
import { callUpstream, type UpstreamErrorKind, type UpstreamPath } from "./upstream";

export const MAX_ATTEMPTS = 3;

/** A place the proxy can send to: a model on a node with an endpoint. */
export interface Destination {
  node: string;
  endpoint: string;
  model: { id: string; hf_repo: string };
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
  candidates: readonly Destination[];
  /** Nodes not to try in this request (see the module comment); never modified here. */
  excluded?: ReadonlySet<string>;
  path: UpstreamPath;
  /** The body for a destination: the client's bytes with that model's served name. */
  body: (destination: Destination) => Uint8Array;
  breakers: CircuitBreakers;
  timeout_ms: number;
  /** The bearer token for a node (NODE_TOKENS, else NODE_TOKEN). */
  nodeToken: NodeTokenLookup;
  /** Checked before any request leaves: an endpoint the policy refuses is never contacted. */
  endpointPolicy: EndpointPolicy;
  requestId: string | undefined;
  /** The client's disconnect. */
  signal: AbortSignal | undefined;
  /** The clock the breakers run on (Date.now in the worker). */
  now: () => number;
}

export type FailoverResult =
  | { kind: "answered"; response: Response; destination: Destination; attempts: Attempt[] }
  /** `attempts` empty: every candidate was skipped (open breakers, or `refused` by the endpoint policy); `retry_in_ms` says when a breaker reopens. */
  | { kind: "failed"; attempts: Attempt[]; skipped: string[]; refused: string[]; retry_in_ms: number; cancelled: boolean };

/** The chosen placement, then each alternative's, keeping only those with an endpoint. */
export function candidates(decision: Decision): Destination[] {
  const all = [{ model: decision.model, placement: decision.placement }, ...decision.alternatives];
  return all.flatMap((c) => (c.placement?.endpoint ? [{ node: c.placement.node, endpoint: c.placement.endpoint, model: c.model }] : []));
}

export async function failover(input: FailoverInput): Promise<FailoverResult> {
  const attempts: Attempt[] = [];
  const skipped: string[] = [];
  const refused: string[] = [];
  const unreachable = new Set<string>();
  let retry_in_ms = Infinity;
  for (const target of input.candidates) {
    if (attempts.length >= MAX_ATTEMPTS) break;
    if (unreachable.has(target.endpoint) || input.excluded?.has(target.node)) continue;
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
      path: input.path,
      body: input.body(target),
      timeout_ms: input.timeout_ms,
      nodeToken: input.nodeToken(target.node),
      requestId: input.requestId,
      signal: input.signal,
    });
    const attempt = { node: target.node, endpoint: target.endpoint, model: target.model.id };
    if (result.kind === "answered") {
      breaker.success();
      attempts.push({ ...attempt, status: result.response.status, error: null, message: null });
      return { kind: "answered", response: result.response, destination: target, attempts };
    }
    attempts.push({ ...attempt, status: result.status, error: result.error, message: result.message });
    if (result.error === "cancelled") {
      // Not the node's fault: its breaker learns nothing, and nobody is waiting for another try.
      breaker.release();
      return { kind: "failed", attempts, skipped, refused, retry_in_ms: 0, cancelled: true };
    }
    breaker.failure(input.now());
    if (result.error !== "http_5xx") unreachable.add(target.endpoint);
  }
  return { kind: "failed", attempts, skipped, refused, retry_in_ms: Number.isFinite(retry_in_ms) ? retry_in_ms : 0, cancelled: false };
}
