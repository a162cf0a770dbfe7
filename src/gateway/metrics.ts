/**
 * The proxy's counts in the metrics recorder: one per attempt by node and outcome, one per failed
 * attempt by kind. In memory only; the recorder flushes later in waitUntil, as for route
 * decisions. Called by routes.ts after each proxied request; the catalog entries are in
 * src/operator/metrics/catalog.ts, the breaker gauge is read at scrape time.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { STORED } from "../operator/metrics/catalog";
import { executionContext } from "../execution-context";
import type { MetricsRecorder } from "../operator/metrics/recorder";
import type { Attempt } from "./failover";

/** ok (status below 400), client_error (a 4xx returned as it is), failed (moved on). */
export function attemptOutcome(attempt: Attempt): "ok" | "client_error" | "failed" {
  if (attempt.error !== null || attempt.status === null) return "failed";
  return attempt.status < 400 ? "ok" : "client_error";
}

export function countAttempts(c: Context<AppEnv>, recorder: MetricsRecorder, attempts: readonly Attempt[], now_ms: number): void {
  if (attempts.length === 0) return;
  for (const attempt of attempts) {
    recorder.count(STORED.gatewayAttempts, { node: attempt.node, outcome: attemptOutcome(attempt) });
    if (attempt.error !== null) recorder.count(STORED.gatewayUpstreamErrors, { node: attempt.node, kind: attempt.error });
  }
  recorder.flushLater(c.env, executionContext(c), now_ms);
}
