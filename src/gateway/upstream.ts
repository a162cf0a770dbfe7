/**
 * One request to one node's OpenAI-compatible server (vLLM, TGI, …): the body with `model`
 * replaced by the model's Hugging Face repo (the name those servers serve it under by default),
 * the node token instead of the client's credentials, and a timeout on the wait for the response
 * headers. Called by failover.ts for each attempt.
 */
import type { ChatRequest } from "./schema";

export interface UpstreamRequest {
  /** The node's base URL, from its agent's --node-endpoint. */
  endpoint: string;
  /** The model's hf_repo, sent as `model`. */
  servedName: string;
  body: ChatRequest;
  timeout_ms: number;
  /** NODE_TOKEN, sent as `Authorization: Bearer`; the client's own Authorization never is. */
  nodeToken: string | undefined;
  requestId: string | undefined;
}

/** How an attempt ended. `answered` responses go back to the client as they are. */
export type UpstreamResult =
  | { kind: "answered"; response: Response }
  | { kind: "failed"; error: UpstreamErrorKind; status: number | null; message: string };

/** Failures that move on to the next candidate and count against the node's breaker. */
export type UpstreamErrorKind = "http_5xx" | "timeout" | "network";

/** `${endpoint}/v1/chat/completions`, without a doubled slash when the endpoint ends in one. */
export function completionsUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, "")}/v1/chat/completions`;
}

/**
 * Sends the request. The timeout bounds the wait for the response headers only (for a
 * non-streamed completion that is the whole generation); once a body flows it is not cut, so a
 * long stream outlives it. Hence a timer cleared on the headers rather than AbortSignal.timeout:
 * by the Fetch standard a signal that fires later aborts the body too (workerd does not do that
 * today, but nothing here relies on it). A 5xx body is discarded unread: it may hold the node's
 * internals.
 */
export async function callUpstream(request: UpstreamRequest): Promise<UpstreamResult> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  if (request.nodeToken) headers["authorization"] = `Bearer ${request.nodeToken}`;
  if (request.requestId) headers["x-request-id"] = request.requestId;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), request.timeout_ms);
  let response: Response;
  try {
    response = await fetch(completionsUrl(request.endpoint), {
      method: "POST",
      headers,
      body: JSON.stringify({ ...request.body, model: request.servedName }),
      signal: controller.signal,
      // A redirect is the upstream's answer; following it would send the body somewhere else.
      redirect: "manual",
    });
  } catch (error) {
    if (controller.signal.aborted) return { kind: "failed", error: "timeout", status: null, message: `no response within ${request.timeout_ms} ms` };
    return { kind: "failed", error: "network", status: null, message: networkMessage(error) };
  } finally {
    clearTimeout(timer);
  }
  if (response.status >= 500) {
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
