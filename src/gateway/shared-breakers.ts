/**
 * The breakers every isolate shares: one Durable Object (named "breakers", SHARED_BREAKERS below)
 * holding, per node, the failures reported by any isolate, whether the node's breaker is open, and
 * until when the node said it is busy (429/503 with Retry-After). Isolates read it through a short
 * cache (breaker-cache.ts) and report failures after the response (waitUntil), so an isolate that
 * never saw a node fail still routes around it. RPC methods only, no router.
 *
 * Per node:
 *   failures    failures reported within FAILURE_WINDOW_MS of the first one (older ones are forgotten);
 *               the FAILURES_TO_OPEN-th opens the breaker for OPEN_MS, as a per-isolate breaker does;
 *               a failure while the node is open or was open (a failed trial) reopens it at once
 *   success     reported only for a node this object holds something against; clears it
 *   busy        busy_until = the later of the stored and the reported time
 *
 * Reads answer from SQLite every time (no copy in memory), so every reader sees the same rows.
 * Every write is one synchronous transaction. Rows nothing holds against are deleted.
 */
import { DurableObject } from "cloudflare:workers";
import { z } from "@hono/zod-openapi";
import type { Env } from "../env";
import { FAILURES_TO_OPEN, OPEN_MS } from "./breaker";
import { BreakerReportSchema, FAILURE_WINDOW_MS, MAX_NODES, MAX_REPORTS, NodeName, type BreakerReport, type ReportAnswer, type SharedState } from "./shared-breaker-schema";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS nodes (
    node TEXT PRIMARY KEY, failures INTEGER NOT NULL, first_failure_at INTEGER NOT NULL,
    opened INTEGER NOT NULL, open_until INTEGER NOT NULL, busy_until INTEGER NOT NULL
  );
`;

const RowSchema = z.object({
  node: NodeName,
  failures: z.number().int().min(0),
  first_failure_at: z.number().int().min(0),
  /** 1 once the breaker opened, until a success (or forgotten): a failure then reopens it at once (a failed trial). */
  opened: z.number().int().min(0).max(1),
  open_until: z.number().int().min(0),
  busy_until: z.number().int().min(0),
});
type Row = z.infer<typeof RowSchema>;

export class BreakerObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
  }

  /** Every node with failures, an open breaker or a busy time still ahead. */
  state(): SharedState {
    const now = Date.now();
    const rows = this.ctx.storage.sql.exec("SELECT * FROM nodes LIMIT ?", MAX_NODES).toArray().map((r) => RowSchema.parse(r));
    const nodes = rows.filter((r) => held(r, now)).map((r) => ({ node: r.node, failures: r.failures, open_until_ms: r.open_until, busy_until_ms: r.busy_until }));
    return { nodes, read_at_ms: now };
  }

  /**
   * Applies reports in order, or none when any is malformed (accepted: false; nothing stored);
   * answers the state afterwards, so a reporter refreshes its copy for free.
   */
  report(input: unknown): ReportAnswer {
    const parsed = z.array(BreakerReportSchema).max(MAX_REPORTS).safeParse(input);
    if (!parsed.success) return { accepted: false, state: this.state() };
    const reports = parsed.data;
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      for (const report of reports) this.apply(report, now);
      // Keep the table to what is held against a node (the negation of held(), in SQL).
      this.ctx.storage.sql.exec(
        "DELETE FROM nodes WHERE open_until <= ?1 AND busy_until <= ?1 AND (failures = 0 OR ?1 - max(first_failure_at, open_until) > ?2)",
        now, FAILURE_WINDOW_MS,
      );
    });
    return { accepted: true, state: this.state() };
  }

  private apply(report: BreakerReport, now: number): void {
    const sql = this.ctx.storage.sql;
    const found = sql.exec("SELECT * FROM nodes WHERE node = ?", report.node).toArray()[0];
    const stored: Row | null = found ? RowSchema.parse(found) : null;
    // What nothing holds against any more starts afresh.
    const row = stored && held(stored, now) ? stored : null;
    if (report.kind === "success") {
      if (stored) sql.exec("DELETE FROM nodes WHERE node = ?", report.node);
      return;
    }
    if (!stored && (sql.exec("SELECT count(*) AS n FROM nodes").one()["n"] as number) >= MAX_NODES) return;
    const next: Row = row ?? { node: report.node, failures: 0, first_failure_at: now, opened: 0, open_until: 0, busy_until: 0 };
    if (report.kind === "busy") {
      next.busy_until = Math.max(next.busy_until, report.until_ms);
    } else {
      if (next.failures === 0) next.first_failure_at = now;
      next.failures++;
      if (next.opened === 1 || next.failures >= FAILURES_TO_OPEN) {
        next.opened = 1;
        next.open_until = now + OPEN_MS;
      }
    }
    sql.exec(
      "INSERT OR REPLACE INTO nodes (node, failures, first_failure_at, opened, open_until, busy_until) VALUES (?, ?, ?, ?, ?, ?)",
      next.node, next.failures, next.first_failure_at, next.opened, next.open_until, next.busy_until,
    );
  }
}

/**
 * Whether the object still holds something against a node at `now`: an open breaker, a busy
 * time ahead, or failures within FAILURE_WINDOW_MS of the first one (or of the breaker's
 * reopening, when no trial came: a node gone from the fleet is forgotten then).
 */
function held(r: Row, now: number): boolean {
  if (r.open_until > now || r.busy_until > now) return true;
  return r.failures > 0 && now - Math.max(r.first_failure_at, r.open_until) <= FAILURE_WINDOW_MS;
}
