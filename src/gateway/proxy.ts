/**
 * One proxied request, for every OpenAI-compatible endpoint: resolve `model`, estimate the
 * context the request needs, decide like POST /v1/route (experiments included), forward the
 * client's bytes (only `model` replaced) with failover, and stream the node's answer back with its
 * headers while it is metered; counts and the experiment outcome are recorded after the response.
 * Called by routes.ts with the endpoint's spec; see docs/gateway.md.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { intSetting } from "../env";
import { Problem } from "../errors";
import { recordAssignmentLater } from "../experiments/record";
import { routeWithExperiment, type ExperimentDecision } from "../experiments/route-with-experiment";
import type { RunningExperiments } from "../experiments/running";
import type { MetricsRecorder } from "../operator/metrics/recorder";
import { executionContext } from "../execution-context";
import type { LoadedRegistry, RoutingContext } from "../routing/context";
import { decide, retryAfterSeconds } from "../routing/decide";
import type { Decision, RouteRequest } from "../routing/schema";
import { endpointPolicy } from "../telemetry/endpoint-policy";
import { nodeTokens } from "../telemetry/node-tokens";
import { withModel } from "./body";
import type { CircuitBreakers } from "./breaker";
import { breakerReports } from "./breaker-reports";
import type { CacheContext, Exclusion, SharedBreakerCache } from "./breaker-cache";
import { contextNeed, contextRefusal, type ProxiedBody } from "./context";
import { failover, type Attempt } from "./failover";
import { answerHeaders } from "./headers";
import { meter } from "./meter";
import { countFailedAttempts } from "./metrics";
import { recordAnswerLater, recordFailureLater, type OutcomeContext } from "./outcome";
import { allBusy, allExcluded, allFailed, allRefused, allSkipped, clientGone, nothingPlaced } from "./failures";
import { Replicas } from "./replicas";
import { DEFAULT_CATEGORY, EMBEDDING_CATEGORY, resolveTarget, type EndpointKind } from "./target";
import type { UpstreamPath } from "./upstream";

/** Default of GATEWAY_TIMEOUT_MS: the wait for an upstream's response headers. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Candidates asked of routing: the chosen model and two alternatives to fail over to. */
const TOP_K = 3;

export interface ProxyOptions {
  context: RoutingContext;
  experiments: RunningExperiments;
  recorder: MetricsRecorder;
  breakers: CircuitBreakers;
  /** The isolate's copy of the shared breakers (breaker-cache.ts). */
  shared: SharedBreakerCache;
}

/** What differs between the endpoints, as data. */
export interface EndpointSpec {
  path: UpstreamPath;
  kind: EndpointKind;
}

export interface ProxyRequest {
  body: ProxiedBody;
  headers: { "x-request-id"?: string | undefined; "x-unit-id"?: string | undefined };
}

export async function proxy(c: Context<AppEnv>, options: ProxyOptions, spec: EndpointSpec, request: ProxyRequest): Promise<Response> {
  const started = Date.now();
  const { headers } = request;
  const ctx = cacheContext(c);
  const [loaded, running, exclusions] = await Promise.all([
    options.context.get(c.env, started),
    options.experiments.get(c.env, started),
    options.shared.exclusions(ctx, options.breakers, started),
  ]);
  const defaultCategory = spec.kind === "embed" ? c.env.GATEWAY_EMBEDDING_CATEGORY || EMBEDDING_CATEGORY : c.env.GATEWAY_DEFAULT_CATEGORY || DEFAULT_CATEGORY;
  const target = resolveTarget(loaded, request.body.body.model, spec.kind, defaultCategory);
  const need = contextNeed(request.body);
  const route: RouteRequest = {
    category: target.category,
    top_k: TOP_K,
    explain: false,
    ...(headers["x-request-id"] !== undefined ? { request_id: headers["x-request-id"] } : {}),
    ...(headers["x-unit-id"] !== undefined ? { unit_id: headers["x-unit-id"] } : {}),
    constraints: { min_context: need.min_context, ...(target.model !== null ? { allow_models: [target.model] } : {}) },
  };
  let routed: ExperimentDecision;
  try {
    // Exactly as POST /v1/route: proxied traffic takes part in experiments and is counted in them.
    // Open breakers and busy nodes are left out at decision time, so the decision's placements are usable ones.
    const exclude_nodes = exclusions.size > 0 ? [...exclusions.keys()] : undefined;
    routed = routeWithExperiment({ loaded, request: route, now_ms: started, decision_id: crypto.randomUUID(), experiments: running, exclude_nodes });
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    // No room once the excluded nodes are left out: say when the first of those this request could use is back.
    const left = error.status === 503 && exclusions.size > 0 ? relevant(loaded, route, exclusions, started) : null;
    throw left ? allExcluded(route.category, left, Date.now()) : contextRefusal(error, need, request.body);
  }
  const { decision, assignment } = routed;
  if (assignment) recordAssignmentLater(c, assignment);
  c.set("decision", decision);
  const outcome: OutcomeContext = { c, recorder: options.recorder, decision, started_ms: started };
  const replicas = new Replicas(loaded, decision, route, started);
  const raw = c.get("rawBody");
  const result = await failover({
    next: (excluded) => replicas.next(excluded),
    excluded: new Set(exclusions.keys()),
    path: spec.path,
    body: (d) => withModel(raw, d.model.hf_repo),
    breakers: options.breakers,
    timeout_ms: intSetting(c.env.GATEWAY_TIMEOUT_MS, DEFAULT_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS,
    nodeToken: nodeTokens(c.env),
    endpointPolicy: endpointPolicy(c.env, c.req.url),
    requestId: headers["x-request-id"],
    signal: c.req.raw.signal,
    now: Date.now,
  });
  countFailedAttempts(options.recorder, result.attempts);
  options.shared.report(ctx, breakerReports(result.attempts, options.shared));
  options.recorder.flushLater(c.env, executionContext(c), Date.now());
  const routerHeaders = routerHeadersOf(decision, result.attempts.length);
  if (result.kind === "failed") {
    recordFailureLater(outcome);
    if (result.cancelled) throw clientGone(routerHeaders);
    if (result.attempts.some((a) => a.error === "busy")) throw allBusy(decision, result.attempts, result.retry_in_ms, routerHeaders);
    if (result.attempts.length > 0) throw allFailed(result.attempts, routerHeaders);
    if (result.skipped.length > 0) throw allSkipped(decision, result.skipped, result.retry_in_ms, routerHeaders);
    throw result.refused.length > 0 ? allRefused(result.refused, routerHeaders) : nothingPlaced(decision, retryAfterSeconds(loaded));
  }

  const upstream = result.response;
  const out = answerHeaders(upstream.headers, {
    ...routerHeaders,
    "x-router-model": result.destination.model.id,
    "x-router-node": result.destination.node,
  });
  if (!upstream.body) {
    recordAnswerLater(outcome, result.destination, upstream.status, Promise.resolve({
      ending: "complete", first_byte_ms: null, total_ms: Date.now() - started, bytes: 0, usage: null, error_event: false, kept: null, tail: null,
    }));
    return new Response(null, { status: upstream.status, headers: out });
  }
  const sse = (upstream.headers.get("content-type") ?? "").toLowerCase().startsWith("text/event-stream");
  const metered = meter(upstream.body, { sse, started_ms: started, now: Date.now, signal: c.req.raw.signal });
  recordAnswerLater(outcome, result.destination, upstream.status, metered.done);
  // The body streams through as it arrives (server-sent events included); nothing is buffered.
  return new Response(withLength(metered.body, upstream.headers, out), { status: upstream.status, headers: out });
}

/**
 * A body the node gave a Content-Length goes out through a FixedLengthStream of that length, so
 * it keeps the header and a body that breaks off reaches the client as a broken response, not a
 * short clean one (workerd ends any unsized body cleanly: cloudflare/workerd#6818). Not for an
 * encoded body: fetch decoded it, so the node's length no longer applies (the header is dropped).
 */
function withLength(body: ReadableStream<Uint8Array>, upstream: Headers, out: Headers): ReadableStream<Uint8Array> {
  const raw = upstream.get("content-length");
  const length = raw === null ? NaN : Number(raw);
  const encoded = (upstream.get("content-encoding") ?? "identity").toLowerCase() !== "identity";
  if (encoded || !Number.isSafeInteger(length) || length < 0) {
    out.delete("content-length");
    return body;
  }
  // The node sent it unencoded: say so, so an edge (and miniflare's emulation of it) does not
  // re-encode it, which would drop the length and with it the broken-response signal.
  out.set("content-encoding", "identity");
  const fixed = new FixedLengthStream(length);
  // Errors travel through the pipe (abort on the node's side, cancel on the client's); nothing to handle here.
  body.pipeTo(fixed.writable).catch(() => undefined);
  return fixed.readable;
}

/**
 * The excluded nodes this request would have gone to: every placement of what-if decisions made
 * without them, each leaving out the nodes found so far (replicas included; not recorded; only on
 * this error path, at most 8 decisions); null when none of them is excluded (then routing's own
 * refusal stands: the fleet has no room, whatever the breakers say).
 */
function relevant(loaded: LoadedRegistry, route: RouteRequest, exclusions: ReadonlyMap<string, Exclusion>, now_ms: number): ReadonlyMap<string, Exclusion> | null {
  const found = new Map<string, Exclusion>();
  const seen: string[] = [];
  for (let i = 0; i < 8; i++) {
    let plain: Decision;
    try {
      plain = decide({ loaded, request: route, now_ms, decision_id: crypto.randomUUID(), record: false, exclude_nodes: seen });
    } catch {
      break;
    }
    for (const p of [plain.placement, ...plain.alternatives.map((a) => a.placement)]) {
      if (!p || seen.includes(p.node)) continue;
      seen.push(p.node);
      const exclusion = exclusions.get(p.node);
      if (exclusion) found.set(p.node, exclusion);
    }
  }
  return found.size > 0 ? found : null;
}

function cacheContext(c: Context<AppEnv>): CacheContext {
  const execution = executionContext(c);
  // Without an execution context (app.request() in tests) the task still runs, just unattached.
  return { env: c.env, waitUntil: (task) => execution?.waitUntil(task) };
}

/** Headers every answer carries, the 502 included. */
function routerHeadersOf(decision: Decision, attempts: number): Record<string, string> {
  const headers: Record<string, string> = { "x-router-decision-id": decision.decision_id, "x-router-attempts": String(attempts) };
  if (decision.experiment) {
    headers["x-router-experiment"] = decision.experiment.id;
    headers["x-router-variant"] = decision.experiment.variant;
  }
  return headers;
}
