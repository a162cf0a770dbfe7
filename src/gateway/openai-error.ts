/**
 * Errors OpenAI clients can read. The official SDKs show `error.message` of the body and nothing
 * else, so on the OpenAI-compatible endpoints every problem+json answer (RFC 9457) also carries
 * OpenAI's `error: { message, type, param, code }` as an extension member (RFC 9457 §3.2 allows
 * them): problem-aware clients read `detail` and `errors`, OpenAI clients read `error`. Mounted by
 * routes.ts in front of each OpenAI-compatible route; it touches only error answers.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

/** OpenAI's error object (https://platform.openai.com/docs/guides/error-codes). */
export interface OpenAiError {
  message: string;
  /** invalid_request_error, authentication_error, permission_error, not_found_error, rate_limit_error, server_error. */
  type: string;
  /** The request field at fault (`messages`, `model`, …), as problem+json's first `errors[].path`; null when none. */
  param: string | null;
  code: string | null;
}

interface ProblemBody {
  title?: unknown;
  status?: unknown;
  detail?: unknown;
  errors?: Array<{ path?: unknown; message?: unknown }>;
  [key: string]: unknown;
}

/** OpenAI's `type` for an HTTP status. */
export function errorType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** The `error` member for a problem body: detail as message, first errors[].path as param, a code from the title (or a known OpenAI code). */
export function openAiError(problem: ProblemBody, status: number): OpenAiError {
  const first = Array.isArray(problem.errors) ? problem.errors[0] : undefined;
  const param = typeof first?.path === "string" ? first.path : null;
  const title = typeof problem.title === "string" ? problem.title : `HTTP ${status}`;
  const detail = typeof problem.detail === "string" ? problem.detail : title;
  return { message: detail, type: errorType(status), param, code: knownCode(status, param, problem) ?? snake(title) };
}

/** OpenAI's own codes where ours means the same thing, so clients that switch on them keep working. */
function knownCode(status: number, param: string | null, problem: ProblemBody): string | null {
  if (status === 401) return "invalid_api_key";
  if (status === 404 && param === "model") return "model_not_found";
  if (problem.title === "Context length exceeded") return "context_length_exceeded";
  return null;
}

function snake(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
}

/**
 * After the route (and app.onError) answered: a problem+json body gets the `error` member; any
 * other answer (the node's own, streamed) passes untouched. Only error answers are read here.
 */
export function openAiErrors(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const type = c.res.headers.get("content-type") ?? "";
    if (!type.startsWith("application/problem+json")) return;
    let body: ProblemBody;
    try {
      body = (await c.res.clone().json()) as ProblemBody;
    } catch {
      return;
    }
    if (body === null || typeof body !== "object" || "error" in body) return;
    const headers = new Headers(c.res.headers);
    headers.delete("content-length");
    const status = c.res.status;
    c.res = undefined;
    c.res = new Response(JSON.stringify({ ...body, error: openAiError(body, status) }), { status, headers });
  };
}
