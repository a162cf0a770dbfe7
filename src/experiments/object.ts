/**
 * One Durable Object per experiment (named by the experiment id): the authoritative definition
 * and status, exact per-variant counters in SQLite (counts, and per metric the moments of
 * stats/moments.ts), and the recent event ids that make outcome events idempotent. RPC methods only, no router; the worker reaches it through objects.ts.
 *
 * Every write runs in one synchronous storage transaction with no await in between, so
 * concurrent calls are serialised by the object and counts can be neither lost nor doubled.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { countEvent } from "./counters";
import { migrateLegacyCounters, VARIANTS_TABLE } from "./counters-migration";
import {
  ExperimentSchema,
  OutcomeEventSchema,
  VariantCountersSchema,
  type EventOutcome,
  type Experiment,
  type ExperimentSnapshot,
  type OutcomeEvent,
  type VariantCounters,
} from "./schema";

/** How many of the most recent event ids are remembered; a retry older than this is counted again. */
export const EVENT_ID_WINDOW = 100_000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  ${VARIANTS_TABLE}
  CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, variant TEXT NOT NULL, received_at INTEGER NOT NULL);
`;

export class ExperimentObject extends DurableObject<Env> {
  /** The definition, read once per instance; undefined until read. */
  private cached: Experiment | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
    // Objects created before the counters became moments still hold sums: convert them once, here.
    migrateLegacyCounters(ctx.storage);
  }

  /** Stores the definition and zeroed counters; an existing experiment is returned untouched. */
  create(input: Experiment): { created: boolean; experiment: Experiment } {
    const existing = this.definition();
    if (existing) return { created: false, experiment: existing };
    const experiment = ExperimentSchema.parse(input);
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("INSERT INTO meta (key, value) VALUES ('experiment', ?)", JSON.stringify(experiment));
      experiment.variants.forEach((v, i) => this.sql.exec("INSERT INTO variants (position, name) VALUES (?, ?)", i, v.name));
    });
    this.cached = experiment;
    return { created: true, experiment };
  }

  /** The definition, or null when this object was never created. */
  definition(): Experiment | null {
    if (this.cached === undefined) {
      const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'experiment'").toArray()[0];
      // Validated on the way out of storage like any other input.
      this.cached = row ? ExperimentSchema.parse(JSON.parse(row.value)) : null;
    }
    return this.cached;
  }

  /** Marks the experiment stopped (once; later calls keep the first stop time). */
  stop(stoppedAt: string): Experiment | null {
    const current = this.definition();
    if (!current || current.status === "stopped") return current;
    const stopped = ExperimentSchema.parse({ ...current, status: "stopped", stopped_at: stoppedAt });
    this.sql.exec("UPDATE meta SET value = ? WHERE key = 'experiment'", JSON.stringify(stopped));
    this.cached = stopped;
    return stopped;
  }

  /** Counts one routing assignment (and whether it fell back to normal routing); false when not counted. */
  recordAssignment(variant: string, fallback: boolean): boolean {
    const experiment = this.definition();
    if (!experiment || experiment.status !== "running") return false;
    const cursor = this.sql.exec(
      "UPDATE variants SET assignments = assignments + 1, fallbacks = fallbacks + ? WHERE name = ?",
      fallback ? 1 : 0,
      variant,
    );
    return cursor.rowsWritten > 0;
  }

  /** Counts one outcome event unless its event_id was seen among the last EVENT_ID_WINDOW. */
  recordEvent(input: OutcomeEvent, receivedAtMs: number): EventOutcome {
    const experiment = this.definition();
    if (!experiment) return { status: "not_found" };
    if (experiment.status !== "running") return { status: "stopped" };
    const event = OutcomeEventSchema.parse(input);
    if (!experiment.variants.some((v) => v.name === event.variant)) {
      return { status: "unknown_variant", variants: experiment.variants.map((v) => v.name) };
    }
    return this.ctx.storage.transactionSync((): EventOutcome => {
      const seen = this.sql.exec("SELECT 1 FROM events WHERE event_id = ?", event.event_id).toArray();
      if (seen.length > 0) return { status: "duplicate" };
      const { seq } = this.sql
        .exec<{ seq: number }>("INSERT INTO events (event_id, variant, received_at) VALUES (?, ?, ?) RETURNING seq", event.event_id, event.variant, receivedAtMs)
        .one();
      const row = this.sql.exec("SELECT * FROM variants WHERE name = ?", event.variant).one();
      const { position: _position, ...stored } = row;
      const next = countEvent(VariantCountersSchema.parse(stored), event);
      this.sql.exec(
        `UPDATE variants SET events = ?, errors = ?, latency_shift = ?, latency_shifted_mean = ?, latency_m2 = ?,
           scored = ?, score_shift = ?, score_shifted_mean = ?, score_m2 = ?
         WHERE name = ?`,
        next.events, next.errors, next.latency_shift, next.latency_shifted_mean, next.latency_m2,
        next.scored, next.score_shift, next.score_shifted_mean, next.score_m2,
        event.variant,
      );
      // Bounded memory of event ids: forget all but the most recent EVENT_ID_WINDOW.
      this.sql.exec("DELETE FROM events WHERE seq <= ?", seq - EVENT_ID_WINDOW);
      return { status: "counted" };
    });
  }

  /** The definition and every variant's counters, in variant order; null when never created. */
  snapshot(): ExperimentSnapshot | null {
    const experiment = this.definition();
    if (!experiment) return null;
    const rows = this.sql.exec("SELECT * FROM variants ORDER BY position").toArray();
    const counters: VariantCounters[] = rows.map((row) => {
      const { position: _position, ...rest } = row;
      return VariantCountersSchema.parse(rest);
    });
    return { experiment, counters };
  }

  /** How many event ids are remembered now (for tests of the idempotency window). */
  rememberedEvents(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM events").one().n;
  }

  private get sql(): SqlStorage {
    return this.ctx.storage.sql;
  }
}
