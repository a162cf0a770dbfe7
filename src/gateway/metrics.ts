/**
 * The proxy's counts in the metrics recorder: one per attempt by node and outcome, one per failed
 * attempt by kind, tokens by model, node, client and type. In memory only; the recorder flushes
 * later in waitUntil, as for route decisions. Failed attempts are counted when failover ends
 * (countFailedAttempts); the answering attempt once its body ended (outcome.ts, countAnswer).
 * The catalog entries are in src/operator/metrics/catalog.ts, the breaker gauge is read at scrape time.
 */
import { STORED } from "../operator/metrics/catalog";
import type { MetricsRecorder } from "../operator/metrics/recorder";
import type { Attempt } from "./failover";
import type { Usage } from "./usage";

/** How a request sent to a node ended, as `router_gateway_attempts_total` labels it. */
export type AttemptOutcome = "ok" | "soft_error" | "stream_error" | "cancelled" | "client_error" | "busy" | "failed";

/** The outcome of an attempt that did not answer. */
export function failedOutcome(attempt: Attempt): AttemptOutcome {
  return attempt.error === "cancelled" || attempt.error === "busy" ? attempt.error : "failed";
}

/** Attempts that did not answer the client: counted at once, with their error kind (the client leaving is no upstream error). */
export function countFailedAttempts(recorder: MetricsRecorder, attempts: readonly Attempt[]): void {
  for (const attempt of attempts) {
    if (attempt.error === null) continue;
    recorder.count(STORED.gatewayAttempts, { node: attempt.node, outcome: failedOutcome(attempt) });
    // Neither the client leaving nor a node saying it is busy is an upstream error.
    if (attempt.error !== "cancelled" && attempt.error !== "busy") recorder.count(STORED.gatewayUpstreamErrors, { node: attempt.node, kind: attempt.error });
  }
}

export interface CountedAnswer {
  model: string;
  node: string;
  client: string;
  outcome: AttemptOutcome;
  usage: Usage | null;
}

/** The answering attempt, and the tokens its `usage` reported. */
export function countAnswer(recorder: MetricsRecorder, answer: CountedAnswer): void {
  recorder.count(STORED.gatewayAttempts, { node: answer.node, outcome: answer.outcome });
  if (!answer.usage) return;
  const labels = { model: answer.model, node: answer.node, client: answer.client };
  if (answer.usage.prompt_tokens > 0) recorder.count(STORED.gatewayTokens, { ...labels, type: "prompt" }, answer.usage.prompt_tokens);
  if (answer.usage.completion_tokens > 0) recorder.count(STORED.gatewayTokens, { ...labels, type: "completion" }, answer.usage.completion_tokens);
}
