/**
 * Per-isolate counting with a delayed, batched flush into the metrics Durable Object. The
 * middleware (observe.ts) counts in memory and asks for a flush; the flush runs in waitUntil after
 * the response, about once per METRICS_FLUSH_MS (1 s) per busy isolate, so a decision never waits on the
 * object. GET /metrics and the dashboard flush first so they include this isolate's own counts.
 *
 * What can be lost: counts not yet flushed when the isolate is evicted (at most one interval),
 * and the unsent backlog if the object stays unreachable (kept up to MAX_BATCHES_PER_APPLY
 * batches, then the oldest is dropped and logged). A batch whose RPC failed is retried under the
 * same id, and the object ignores ids it has applied, so a retry never counts twice.
 * Built once per app by src/app.ts.
 */
import { intSetting, type Env } from "../../env";
import type { MetricFamily } from "./catalog";
import { MetricDeltas } from "./deltas";
import { MAX_BATCHES_PER_APPLY, RECENT_DECISIONS } from "./object";
import type { Batch, RecentDecision } from "./series";
import { MetricsStore } from "./store";

/** Default of METRICS_FLUSH_MS. */
export const FLUSH_INTERVAL_MS = 1000;

export interface RecorderOptions {
  /** Waits before a scheduled flush; setTimeout by default. */
  sleep?: (ms: number) => Promise<void>;
}

/** A RecentDecision with its time as epoch milliseconds (the ISO string is made at flush). */
export type DecidedAt = Omit<RecentDecision, "at"> & { at_ms: number };

function recentDecision({ at_ms, ...rest }: DecidedAt): RecentDecision {
  return { at: new Date(at_ms).toISOString(), ...rest };
}

export class MetricsRecorder {
  private readonly deltas = new MetricDeltas();
  /** Newest last; at most 2 × RECENT_DECISIONS between trims, the newest RECENT_DECISIONS sent. */
  private decisions: DecidedAt[] = [];
  private unsent: Batch[] = [];
  private lastFlushAt = -Infinity;
  private scheduled = false;
  /** Made on first flush: Workers forbid random values at global scope, where the app is built. */
  private isolateId: string | null = null;
  private batchSeq = 0;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: RecorderOptions = {}) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  count(family: MetricFamily, labels: Record<string, string>, by = 1): void {
    this.deltas.count(family, labels, by);
  }

  observe(family: MetricFamily, labels: Record<string, string>, value: number): void {
    this.deltas.observe(family, labels, value);
  }

  /**
   * Remembers a route decision for the dashboard's recent list (the newest RECENT_DECISIONS per
   * flush). Its `at` is written at flush time from `at_ms`, so a decision that is dropped before
   * then (all but the newest 100) never pays for the date string.
   */
  decided(decision: DecidedAt): void {
    this.decisions.push(decision);
    if (this.decisions.length > 2 * RECENT_DECISIONS) this.decisions.splice(0, this.decisions.length - RECENT_DECISIONS);
  }

  /** Series and decisions counted here and not yet acknowledged by the object (for tests and docs). */
  pending(): { series: number; decisions: number; batches: number } {
    return { series: this.deltas.size, decisions: Math.min(this.decisions.length, RECENT_DECISIONS), batches: this.unsent.length };
  }

  /**
   * Flushes one interval (METRICS_FLUSH_MS, default 1 s) after the previous flush, in waitUntil;
   * a no-op while a flush is already scheduled. Counts made while that flush was under way get one
   * more round in the same task. Without an execution context nothing is scheduled: the counts
   * wait for the next request that has one, or for a scrape.
   */
  flushLater(env: Env, ctx: ExecutionContext | null, now_ms: number): void {
    if (this.scheduled || ctx === null) return;
    this.scheduled = true;
    const interval = intSetting(env.METRICS_FLUSH_MS, FLUSH_INTERVAL_MS);
    const delay = Math.max(0, this.lastFlushAt + interval - now_ms);
    const task = (async () => {
      try {
        if (delay > 0) await this.sleep(delay);
        await this.flush(env, now_ms + delay);
        if (this.deltas.size > 0 || this.decisions.length > 0) {
          if (interval > 0) await this.sleep(interval);
          await this.flush(env, now_ms + delay + interval);
        }
      } finally {
        this.scheduled = false;
      }
    })();
    ctx.waitUntil(task);
  }

  /** Sends everything pending as one new batch (plus any unacknowledged ones). Never throws: failures are logged and kept. */
  async flush(env: Env, now_ms: number): Promise<void> {
    const counters = this.deltas.drain();
    const decisions = this.decisions.splice(0).slice(-RECENT_DECISIONS).map(recentDecision);
    if (counters.length > 0 || decisions.length > 0) this.unsent.push({ id: this.nextBatchId(), counters, decisions });
    if (this.unsent.length > MAX_BATCHES_PER_APPLY) {
      const dropped = this.unsent.splice(0, this.unsent.length - MAX_BATCHES_PER_APPLY);
      console.error(`metrics: dropped ${dropped.length} unsent batch(es); the metrics object has been unreachable`);
    }
    if (this.unsent.length === 0) return;
    this.lastFlushAt = now_ms;
    const sending = [...this.unsent];
    try {
      await new MetricsStore(env.METRICS).apply(sending);
      const sent = new Set(sending.map((b) => b.id));
      this.unsent = this.unsent.filter((b) => !sent.has(b.id));
    } catch (error) {
      console.error(`metrics: flush of ${sending.length} batch(es) failed; retrying with the next flush:`, error);
    }
  }

  private nextBatchId(): string {
    this.isolateId ??= crypto.randomUUID();
    return `${this.isolateId}:${this.batchSeq++}`;
  }
}
