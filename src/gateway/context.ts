/**
 * The context a request needs: `min_context = prompt tokens + max_tokens`, passed to routing as a
 * constraint, so only models whose context holds the whole request are candidates (a model of
 * unknown context counts as config.default_context_length, or fails; src/kernel/pack.ts). When no
 * model fits, the answer is a 400 naming the prompt field (`messages`, `prompt`, `input`) instead
 * of routing's 422. Called by proxy.ts; the estimate itself is prompt.ts.
 */
import { badRequest, Problem } from "../errors";
import { promptItems, promptTokenBound } from "./prompt";
import type { ChatRequest, CompletionRequest, EmbeddingRequest } from "./schema";

/** The request body by endpoint, as the validator parsed it. */
export type ProxiedBody =
  | { kind: "chat"; body: ChatRequest }
  | { kind: "completion"; body: CompletionRequest }
  | { kind: "embedding"; body: EmbeddingRequest };

/** OpenAI's default `max_tokens` of a legacy completion (vLLM's too). */
export const COMPLETION_DEFAULT_MAX_TOKENS = 16;

export interface ContextNeed {
  /** Prompt tokens of the largest prompt, at most (see prompt.ts). */
  prompt_tokens: number;
  max_tokens: number;
  /** prompt_tokens + max_tokens, at least 1: the min_context routing gets. */
  min_context: number;
}

/** Tokens the request asks to generate; what the node would default to when absent (at least one for chat). */
export function maxTokens(request: ProxiedBody): number {
  const raw =
    request.kind === "chat" ? request.body.max_completion_tokens ?? request.body.max_tokens ?? 1
    : request.kind === "completion" ? request.body.max_tokens ?? COMPLETION_DEFAULT_MAX_TOKENS
    : 0;
  // A negative or fractional value is the node's to refuse; here it only must not shrink the need.
  return Number.isFinite(raw) && raw > 0 ? Math.ceil(raw) : 0;
}

/** What the request needs. */
export function contextNeed(request: ProxiedBody): ContextNeed {
  const max_tokens = maxTokens(request);
  const tokens = promptTokenBound(promptItems(request));
  return { prompt_tokens: tokens, max_tokens, min_context: Math.max(1, tokens + max_tokens) };
}

/** The request field holding the prompt, by endpoint. */
export function promptField(request: ProxiedBody): "messages" | "prompt" | "input" {
  return request.kind === "chat" ? "messages" : request.kind === "completion" ? "prompt" : "input";
}

/**
 * Routing's 422 turned into a 400 naming the prompt when the context is why nothing fit (every
 * rejected model names `context` among its reasons); any other problem is returned as it is.
 */
export function contextRefusal(problem: Problem, need: ContextNeed, request: ProxiedBody): Problem {
  const rejected = problem.extensions["rejected"];
  if (problem.status !== 422 || !Array.isArray(rejected) || rejected.length === 0) return problem;
  if (!rejected.every((r: { reasons?: unknown }) => Array.isArray(r.reasons) && r.reasons.includes("context"))) return problem;
  const field = promptField(request);
  const error = badRequest(
    `the ${field === "messages" ? "conversation" : field} needs up to ${need.prompt_tokens} tokens${need.max_tokens > 0 ? ` plus max_tokens ${need.max_tokens}` : ""} (${need.min_context}); no model for this request has that much context`,
    [{ path: field, message: `up to ${need.prompt_tokens} prompt tokens (UTF-8 bytes)${need.max_tokens > 0 ? ` + max_tokens ${need.max_tokens}` : ""} exceed every candidate's context length` }],
  );
  return new Problem({ status: 400, title: "Context length exceeded", detail: error.detail, errors: error.errors, extensions: { rejected } });
}
