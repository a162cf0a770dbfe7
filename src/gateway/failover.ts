/**
 * Trying a request's (model, node) candidates in order until one answers. Candidates come one at
 * a time from `next` (replicas.ts: the chosen model's replicas first, then the alternatives), and
 * every node tried is excluded from the ones after it. A candidate whose endpoint the endpoint
 * policy refuses is never contacted (docs/security.md); one whose endpoint's breaker is open is
 * skipped; a network error, timeout or 5xx moves on and counts against the node's breaker; a 429
 * or 503 with Retry-After marks the node busy (busy.ts) and moves on; any other answer (2xx, 3xx,
 * 4xx) is the upstream's answer to the client. A 429 that was the only candidate is the answer
 * too, as the node wrote it. The client going away stops the loop. At most MAX_ATTEMPTS requests
 * leave the router. Called by proxy.ts.
 */
import { checkEndpoint, type EndpointPolicy } from "../telemetry/endpoint-policy";
import type { NodeTokenLookup } from "../telemetry/node-tokens";
import type { CircuitBreakers } from "./breaker";
import { busyStatus, retryAfterMs } from "./busy";
import { callUpstream, type UpstreamErrorKind, type UpstreamPath } from "./upstream";

export const MAX_ATTEMPTS = 3;

/** A place the proxy can send to: a model on a node with an endpoint. */
export interface Destination {
  node: string;
  endpoint: string;
  model: { id: string; hf_repo: string };
}

/** Why an attempt did not count as the answer: an upstream failure, or `busy` (429/503 with Retry-After). */
export type AttemptError = UpstreamErrorKind | "busy";

/** One request that left the router, as the 502/503 body and the metrics report it. */
export interface Attempt {
  node: string;
  endpoint: string;
  model: string;
  /** The upstream's HTTP status, when it answered. */
  status: number | null;
  /** Why it did not count as an answer; null when it did. */
  error: AttemptError | null;
  message: string | null;
  /** Set when the node answered 429/503 with Retry-After: until when it asked to be left alone (ms since the epoch, capped; busy.ts). */
  busy_until_ms?: number;
}

export interface FailoverInput {
  /** The next candidate on none of the given nodes, or null (replicas.ts). */
  next: (excluded: ReadonlySet<string>) => Destination | null;
  /** Nodes excluded at decision time (open breakers, busy); copied, never modified here. */
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
  /**
   * `attempts` empty: every candidate was skipped (open breakers, or `refused` by the endpoint
   * policy); `retry_in_ms` says when a breaker reopens, or, when some attempt was `busy`, when the
   * first busy node is free again.
   */
  | { kind: "failed"; attempts: Attempt[]; skipped: string[]; refused: string[]; retry_in_ms: number; cancelled: boolean };

/** A guard against a candidate source that keeps offering refused or skipped nodes. */
const MAX_CANDIDATES = 16;

export async function failover(input: FailoverInput): Promise<FailoverResult> {
  const attempts: Attempt[] = [];
  const skipped: string[] = [];
  const refused: string[] = [];
  const excluded = new Set(input.excluded ?? []);
  let retry_in_ms = Infinity;
  /** A node's own 429, kept unread in case it turns out to be the only candidate. */
  let held: { response: Response; destination: Destination } | null = null;
  for (let seen = 0; attempts.length < MAX_ATTEMPTS && seen < MAX_CANDIDATES; seen++) {
    const target = input.next(excluded);
    if (!target) break;
    excluded.add(target.node);
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
      // The node answered, busy or not: it is up.
      breaker.success();
      const response = result.response;
      const wait = busyStatus(response.status) ? retryAfterMs(response.headers.get("retry-after"), input.now()) : null;
      if (wait === null) {
        await discard(held?.response);
        attempts.push({ ...attempt, status: response.status, error: null, message: null });
        return { kind: "answered", response, destination: target, attempts };
      }
      const until = input.now() + wait;
      attempts.push({ ...attempt, status: response.status, error: "busy", message: `busy: answered ${response.status}, Retry-After ${Math.ceil(wait / 1000)}s`, busy_until_ms: until });
      retry_in_ms = Math.min(retry_in_ms, wait);
      await discard(held?.response);
      // A 503's body may hold the node's internals: never shown. A 429 is the node's word to the client.
      if (response.status === 429) held = { response, destination: target };
      else {
        held = null;
        await discard(response);
      }
      continue;
    }
    attempts.push({ ...attempt, status: result.status, error: result.error, message: result.message });
    if (result.error === "cancelled") {
      // Not the node's fault: its breaker learns nothing, and nobody is waiting for another try.
      breaker.release();
      await discard(held?.response);
      return { kind: "failed", attempts, skipped, refused, retry_in_ms: 0, cancelled: true };
    }
    breaker.failure(input.now());
  }
  if (held && attempts.length === 1) {
    // The only candidate was rate-limited: its 429 (Retry-After, x-ratelimit-*) is the answer, as before failover knew about busy nodes.
    // It still marks the node busy (busy_until_ms stays): the next requests go elsewhere or get a 503 until then.
    attempts[0] = { ...attempts[0]!, error: null, message: null };
    return { kind: "answered", response: held.response, destination: held.destination, attempts };
  }
  await discard(held?.response);
  return { kind: "failed", attempts, skipped, refused, retry_in_ms: Number.isFinite(retry_in_ms) ? retry_in_ms : 0, cancelled: false };
}

/** Lets go of a response nobody will read (its connection is freed). */
async function discard(response: Response | undefined): Promise<void> {
  await response?.body?.cancel().catch(() => undefined);
}
