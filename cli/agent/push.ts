/**
 * Sends one signed snapshot to POST <url>/v1/telemetry and classifies the answer: accepted (2xx),
 * rejected (a 4xx the same snapshot would get again: drop it) or retry (router down, 5xx, 408,
 * 429: try again later with backoff).
 */
import { signatureHeaders } from "../../src/telemetry/signature";
import type { Snapshot } from "../../src/telemetry/snapshot";

export type PushOutcome = "accepted" | "rejected" | "retry";

export interface PushResult {
  outcome: PushOutcome;
  /** HTTP status, or null when the router could not be reached. */
  status: number | null;
  /** The problem detail, the network error, or "accepted". */
  detail: string;
  ms: number;
  /** The accepted answer's JSON body (e.g. engine_models), when it had one. */
  body?: unknown;
}

export interface PushTarget {
  url: string;
  agentId: string;
  key: string;
  timeoutMs: number;
}

function outcomeOf(status: number): PushOutcome {
  if (status >= 200 && status < 300) return "accepted";
  if (status === 408 || status === 429 || status >= 500) return "retry";
  return "rejected";
}

async function detailOf(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "object" && body !== null && "detail" in body && typeof body.detail === "string") return body.detail;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 200) || response.statusText;
}

async function jsonOf(response: Response): Promise<unknown> {
  try {
    return JSON.parse(await response.text());
  } catch {
    return undefined;
  }
}

export async function pushSnapshot(target: PushTarget, snapshot: Snapshot, signal?: AbortSignal): Promise<PushResult> {
  const body = JSON.stringify(snapshot);
  const started = performance.now();
  const timeout = AbortSignal.timeout(target.timeoutMs);
  try {
    const headers = await signatureHeaders(target.agentId, target.key, body, Date.now() / 1000);
    const response = await fetch(`${target.url}/v1/telemetry`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const outcome = outcomeOf(response.status);
    if (outcome === "accepted") return { outcome, status: response.status, detail: "accepted", ms: Math.round(performance.now() - started), body: await jsonOf(response) };
    return { outcome, status: response.status, detail: await detailOf(response), ms: Math.round(performance.now() - started) };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : "";
    const message = error instanceof Error ? error.message : String(error);
    return { outcome: "retry", status: null, detail: `router unreachable: ${cause || message}`, ms: Math.round(performance.now() - started) };
  }
}
