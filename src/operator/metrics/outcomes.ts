/**
 * Names what happened to a route request or a telemetry push, from the status and the Problem the
 * app answered with. Label values come only from these fixed sets and from registry ids, never
 * from raw client input, so the number of series stays bounded. Pure; observe.ts calls it.
 */
import { Problem } from "../../errors";

const ROUTE_BY_STATUS: Record<number, string> = {
  200: "ok",
  400: "bad_request",
  401: "unauthorized",
  404: "unknown_category",
  413: "too_large",
  415: "unsupported_media_type",
  422: "no_model",
};

/** ok, no_model, no_gpu, bad_request, unknown_category, unauthorized, too_large, unsupported_media_type, unavailable, error, other. */
export function routeOutcome(status: number, error: unknown): string {
  if (status === 503) return error instanceof Problem && error.title === "No GPU available" ? "no_gpu" : "unavailable";
  if (status >= 500) return "error";
  return ROUTE_BY_STATUS[status] ?? "other";
}

/** The requested category of a refused decision (422/503 name their walk); null when the category was not valid. */
export function refusedCategory(error: unknown): string | null {
  if (!(error instanceof Problem)) return null;
  const path = error.extensions["category_path"];
  return Array.isArray(path) && typeof path[0] === "string" ? path[0] : null;
}

const FIELD_REASONS: Record<number, Record<string, string>> = {
  401: { "header.x-agent-id": "unknown_agent", "header.x-timestamp": "bad_timestamp", "header.x-signature": "bad_signature" },
  400: { agent_id: "agent_mismatch", taken_at: "future_snapshot", seq: "invalid_seq", endpoint: "endpoint_refused", "header.x-node-endpoint": "endpoint_refused" },
  403: { node: "node_not_allowed" },
  409: { seq: "stale_seq", node: "node_owned_by_other_agent" },
};
const STATUS_REASONS: Record<number, string> = {
  400: "invalid_snapshot",
  401: "unauthorized",
  403: "keys_unconfigured",
  409: "conflict",
  413: "too_large",
  415: "unsupported_media_type",
};

/** Why a push was refused: missing_header, bad_signature, bad_timestamp, unknown_agent, stale_seq, invalid_snapshot, … */
export function telemetryRejection(status: number, error: unknown): string {
  if (status >= 500) return "error";
  const first = error instanceof Problem ? error.errors[0] : undefined;
  if (status === 401 && first && /^missing /.test(first.message)) return "missing_header";
  const byField = first ? FIELD_REASONS[status]?.[first.path] : undefined;
  return byField ?? STATUS_REASONS[status] ?? "other";
}
