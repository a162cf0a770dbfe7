/**
 * The metrics Durable Object: one instance (named "global") holding every counter series that
 * must survive isolates, and the most recent route decisions, in SQLite. Isolates flush their
 * deltas into it at most about once per second (recorder.ts), never on the request path;
 * GET /metrics and the dashboard read it. RPC methods only, no router.
 *
 * A batch id is remembered (the last BATCH_ID_WINDOW), so a batch retried after a failed RPC
 * whose write did land counts once. Each apply is one synchronous transaction.
 */
import { DurableObject } from "cloudflare:workers";
import { z } from "@hono/zod-openapi";
import type { Env } from "../../env";
import { STORED } from "./catalog";
import { BatchSchema, SeriesSchema, RecentDecisionSchema, labelKey, type ApplyResult, type Batch, type MetricsState } from "./series";

/** Series beyond this are dropped (and counted): a guard against a label with unbounded values. */
export const MAX_SERIES = 5000;
/** Route decisions kept for the dashboard. */
export const RECENT_DECISIONS = 100;
export const BATCH_ID_WINDOW = 10_000;
/** Batches per apply call: an isolate's backlog after the object was unreachable. */
export const MAX_BATCHES_PER_APPLY = 16;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS series (name TEXT NOT NULL, labels TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (name, labels));
  CREATE TABLE IF NOT EXISTS batches (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE);
  CREATE TABLE IF NOT EXISTS decisions (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
`;

const Labels = SeriesSchema.shape.labels;

export class MetricsObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
  }

  /**
   * Adds each batch not seen before: its counters to the series, its decisions to the recent list.
   * A batch that fails validation is refused alone (logged, counted in `rejected`) and not
   * retried by the caller, so one bad batch cannot block the backlog behind it.
   */
  apply(input: Batch[]): ApplyResult {
    const result: ApplyResult = { applied: 0, duplicates: 0, rejected: 0, dropped_series: 0 };
    const batches = z.array(z.unknown()).max(MAX_BATCHES_PER_APPLY).parse(input).flatMap((raw) => {
      const parsed = BatchSchema.safeParse(raw);
      if (parsed.success) return [parsed.data];
      console.error("metrics: refusing an invalid batch:", parsed.error.issues.slice(0, 3));
      result.rejected++;
      return [];
    });
    return this.ctx.storage.transactionSync(() => {
      let seriesCount = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM series").one().n;
      for (const batch of batches) {
        if (this.sql.exec("SELECT 1 FROM batches WHERE id = ?", batch.id).toArray().length > 0) {
          result.duplicates++;
          continue;
        }
        const { seq } = this.sql.exec<{ seq: number }>("INSERT INTO batches (id) VALUES (?) RETURNING seq", batch.id).one();
        this.sql.exec("DELETE FROM batches WHERE seq <= ?", seq - BATCH_ID_WINDOW);
        for (const series of batch.counters) {
          const labels = labelKey(series.labels);
          const updated = this.sql.exec("UPDATE series SET value = value + ? WHERE name = ? AND labels = ?", series.value, series.name, labels);
          if (updated.rowsWritten > 0) continue;
          if (seriesCount >= MAX_SERIES) {
            result.dropped_series++;
            continue;
          }
          this.sql.exec("INSERT INTO series (name, labels, value) VALUES (?, ?, ?)", series.name, labels, series.value);
          seriesCount++;
        }
        for (const decision of batch.decisions) this.sql.exec("INSERT INTO decisions (body) VALUES (?)", JSON.stringify(decision));
        result.applied++;
      }
      // Outside the series limit on purpose: the object must always be able to report on itself.
      this.addUnlimited(STORED.batches.name, result.applied);
      this.addUnlimited(STORED.droppedSeries.name, result.dropped_series);
      this.sql.exec("DELETE FROM decisions WHERE seq NOT IN (SELECT seq FROM decisions ORDER BY seq DESC LIMIT ?)", RECENT_DECISIONS);
      return result;
    });
  }

  /** Every series and the recent decisions (newest first); rows that fail validation are skipped and logged. */
  read(): MetricsState {
    const series = this.sql.exec<{ name: string; labels: string; value: number }>("SELECT name, labels, value FROM series ORDER BY name, labels").toArray().flatMap((row) => {
      const parsed = SeriesSchema.safeParse({ name: row.name, labels: Labels.safeParse(parseJson(row.labels)).data, value: row.value });
      if (parsed.success) return [parsed.data];
      console.error(`metrics: skipping unreadable series ${row.name} ${row.labels}`);
      return [];
    });
    const decisions = this.sql.exec<{ body: string }>("SELECT body FROM decisions ORDER BY seq DESC").toArray().flatMap((row) => {
      const parsed = RecentDecisionSchema.safeParse(parseJson(row.body));
      return parsed.success ? [parsed.data] : [];
    });
    return { series, decisions };
  }

  private addUnlimited(name: string, value: number): void {
    if (value === 0) return;
    this.sql.exec(
      "INSERT INTO series (name, labels, value) VALUES (?, '{}', ?) ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value",
      name,
      value,
    );
  }

  private get sql(): SqlStorage {
    return this.ctx.storage.sql;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
