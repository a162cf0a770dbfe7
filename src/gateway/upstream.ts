/**
 * One request to one node's OpenAI-compatible server (vLLM, TGI, …): the client's bytes with only
 * `model` replaced (body.ts), the node token instead of the client's credentials, a timeout on the
 * wait for the response headers, and the client's disconnect as an abort. Called by failover.ts
 * for each attempt.
 */
import { retryAfterMs } from "./busy";

/** The OpenAI paths the gateway forwards, each to the same path on the node. */
export type UpstreamPath = "/v1/chat/completions" | "/v1/completions" | "/v1/embeddings";

export interface UpstreamRequest {
  /** The node's base URL, from its agent's --node-endpoint. */
  endpoint: string;
  path: UpstreamPath;
  /** The body as the node receives it. */
  body: Uint8Array;
  timeout_ms: number;
  /** NODE_TOKEN, sent as `Authorization: Bearer`; the client's own Authorization never is. */
  nodeToken: string | undefined;
  requestId: string | undefined;
  /** Aborts when the client goes away (the incoming request's signal): the node stops generating for nobody. */
  signal: AbortSignal | undefined;
}

/** How an attempt ended. `answered` responses go back to the client as they are, unless failover.ts reads them as busy. */
export type UpstreamResult =
  | { kind: "answered"; response: Response }
  | { kind: "failed"; error: UpstreamErrorKind; status: number | null; message: string };

/** Failures that move on to the next candidate and count against the node's breaker; `cancelled` (the client left) does neither. */
export type UpstreamErrorKind = "http_5xx" | "timeout" | "network" | "cancelled";

/** `${endpoint}${path}`, without a doubled slash when the endpoint ends in one. */
export function upstreamUrl(endpoint: string, path: UpstreamPath): string {
  return `${endpoint.replace(/\/+$/, "")}${path}`;
}

/**
 * Sends the request. The timeout bounds the wait for the response headers only (for a
 * non-streamed completion that is the whole generation); once a body flows it is not cut, so a
 * long stream outlives it. Hence a timer cleared on the headers rather than AbortSignal.timeout:
 * by the Fetch standard a signal that fires later aborts the body too. The client's signal, by
 * contrast, is meant to abort the body as well, so it stays attached. A 5xx body is discarded
 * unread: it may hold the node's internals.
 */
export async function callUpstream(request: UpstreamRequest): Promise<UpstreamResult> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  if (request.nodeToken) headers["authorization"] = `Bearer ${request.nodeToken}`;
  if (request.requestId) headers["x-request-id"] = request.requestId;
  if (request.signal?.aborted) return { kind: "failed", error: "cancelled", status: null, message: "the client went away" };
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), request.timeout_ms);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout.signal]) : timeout.signal;
  let response: Response;
  try {
    response = await fetch(upstreamUrl(request.endpoint, request.path), {
      method: "POST",
      headers,
      body: request.body,
      signal,
      // A redirect is the upstream's answer; following it would send the body somewhere else.
      redirect: "manual",
    });
  } catch (error) {
    if (request.signal?.aborted) return { kind: "failed", error: "cancelled", status: null, message: "the client went away" };
    if (timeout.signal.aborted) return { kind: "failed", error: "timeout", status: null, message: `no response within ${request.timeout_ms} ms` };
    return { kind: "failed", error: "network", status: null, message: networkMessage(error) };
  } finally {
    clearTimeout(timer);
  }
  // A 503 with a readable Retry-After is the node saying it is busy: failover.ts handles it (busy.ts).
  const busy = response.status === 503 && retryAfterMs(response.headers.get("retry-after"), Date.now()) !== null;
  if (response.status >= 500 && !busy) {
    await response.body?.cancel().catch(() => undefined);
    return { kind: "failed", error: "http_5xx", status: response.status, message: `upstream answered ${response.status}` };
  }
  return { kind: "answered", response };
}

/** The runtime's message, which names the cause (refused, reset, DNS) and not our internals. */
function networkMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return `unreachable: ${text.slice(0, 200)}`;
}
