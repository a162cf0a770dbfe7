/**
 * What one proxied request tells the shared breakers (shared-breakers.ts), from its attempts: a
 * failure per network error, timeout or 5xx; a busy time per 429/503 with Retry-After; and a
 * success for the answering node only when the shared object holds something against it (so a
 * healthy fleet costs no reports). The client leaving says nothing about a node. Called by proxy.ts.
 */
import type { Attempt } from "./failover";
import type { BreakerReport } from "./shared-breaker-schema";

export function breakerReports(attempts: readonly Attempt[], shared: { suspects(node: string): boolean }): BreakerReport[] {
  const reports: BreakerReport[] = [];
  for (const a of attempts) {
    if (a.busy_until_ms !== undefined) reports.push({ kind: "busy", node: a.node, until_ms: Math.round(a.busy_until_ms) });
    else if (a.error === "http_5xx" || a.error === "timeout" || a.error === "network") reports.push({ kind: "failure", node: a.node });
    else if (a.error === null && shared.suspects(a.node)) reports.push({ kind: "success", node: a.node });
  }
  return reports;
}
