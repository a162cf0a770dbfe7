/**
 * The experiment object's variants table, and the one-time conversion of objects created before
 * the counters became moments. Those hold per metric a count, Σx and Σx² (`latency_sum`,
 * `latency_sum_squares`, `score_sum`, `score_sum_squares`); the first access of such an object
 * (its constructor) rewrites the table in the new form inside one transaction, so a reader sees
 * either the old table or the converted one, never half of each. Called by object.ts.
 */
import { z } from "@hono/zod-openapi";
import { momentsFromSums, type Moments } from "./stats/moments";

/** The current form: counts, and per metric shift, mean of (x − shift) and m2 (stats/moments.ts). */
export const VARIANTS_TABLE = `
  CREATE TABLE IF NOT EXISTS variants (
    position INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
    assignments INTEGER NOT NULL DEFAULT 0, fallbacks INTEGER NOT NULL DEFAULT 0,
    events INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0,
    latency_shift REAL NOT NULL DEFAULT 0, latency_shifted_mean REAL NOT NULL DEFAULT 0, latency_m2 REAL NOT NULL DEFAULT 0,
    scored INTEGER NOT NULL DEFAULT 0,
    score_shift REAL NOT NULL DEFAULT 0, score_shifted_mean REAL NOT NULL DEFAULT 0, score_m2 REAL NOT NULL DEFAULT 0
  );`;

/** A row of the former table, validated like anything read from storage. */
const LegacyRowSchema = z.object({
  position: z.number().int(),
  name: z.string(),
  assignments: z.number().int().min(0),
  fallbacks: z.number().int().min(0),
  events: z.number().int().min(0),
  errors: z.number().int().min(0),
  latency_sum: z.number(),
  latency_sum_squares: z.number(),
  scored: z.number().int().min(0),
  score_sum: z.number(),
  score_sum_squares: z.number(),
});

const columns = (m: Moments): [number, number, number] => [m.shift, m.mean, m.m2];

/**
 * Converts a variants table still in the sums form; returns whether it did. A table already in
 * the new form, or none at all, is left alone. A row that fails validation aborts the conversion
 * (the transaction rolls back and the error propagates) rather than inventing counts.
 */
export function migrateLegacyCounters(storage: DurableObjectStorage): boolean {
  const sql = storage.sql;
  const names = sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('variants')").toArray().map((c) => c.name);
  if (!names.includes("latency_sum")) return false;
  storage.transactionSync(() => {
    const rows = sql.exec("SELECT * FROM variants ORDER BY position").toArray().map((row) => LegacyRowSchema.parse(row));
    sql.exec("DROP TABLE variants");
    sql.exec(VARIANTS_TABLE);
    for (const r of rows) {
      sql.exec(
        `INSERT INTO variants (position, name, assignments, fallbacks, events, errors, latency_shift, latency_shifted_mean, latency_m2,
           scored, score_shift, score_shifted_mean, score_m2) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        r.position, r.name, r.assignments, r.fallbacks, r.events, r.errors,
        ...columns(momentsFromSums(r.events, r.latency_sum, r.latency_sum_squares)),
        r.scored,
        ...columns(momentsFromSums(r.scored, r.score_sum, r.score_sum_squares)),
      );
    }
  });
  return true;
}
