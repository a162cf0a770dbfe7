/**
 * The Durable Object itself, through RPC and runInDurableObject: validation of what it reads
 * back, and the bounded memory of event ids that makes events idempotent.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { EVENT_ID_WINDOW, ExperimentObject } from "../../src/experiments/object";
import { migrateLegacyCounters } from "../../src/experiments/counters-migration";
import { buildReport } from "../../src/experiments/report";
import { buildExperiment } from "../../src/experiments/service";
import { ExperimentInputSchema } from "../../src/experiments/schema";
import { uniqueId } from "./support";

/** The variants table as objects created before the counters became moments have it (sums of x and x²). */
const LEGACY_VARIANTS = `
  CREATE TABLE variants (
    position INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
    assignments INTEGER NOT NULL DEFAULT 0, fallbacks INTEGER NOT NULL DEFAULT 0,
    events INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0,
    latency_sum REAL NOT NULL DEFAULT 0, latency_sum_squares REAL NOT NULL DEFAULT 0,
    scored INTEGER NOT NULL DEFAULT 0, score_sum REAL NOT NULL DEFAULT 0, score_sum_squares REAL NOT NULL DEFAULT 0
  )`;

/** Rewrites an object's storage into the legacy form: definition, and the given variant rows. */
function writeLegacy(state: DurableObjectState, definition: unknown, rows: string): void {
  const sql = state.storage.sql;
  sql.exec("DROP TABLE variants");
  sql.exec(LEGACY_VARIANTS);
  sql.exec("INSERT INTO meta (key, value) VALUES ('experiment', ?)", JSON.stringify(definition));
  sql.exec(`INSERT INTO variants (position, name, assignments, fallbacks, events, errors, latency_sum, latency_sum_squares, scored, score_sum, score_sum_squares) VALUES ${rows}`);
}

const columnsOf = (state: DurableObjectState) => state.storage.sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('variants')").toArray().map((c) => c.name);

const experiment = (id: string) =>
  buildExperiment(
    ExperimentInputSchema.parse({ id, scope: { category: "code" }, variants: [{ name: "a", model: "phi-4" }, { name: "b", model: "phi-4" }] }),
    { id, now: new Date("2026-01-01T00:00:00Z"), origin: "api" },
  );

const event = (event_id: string) => ({ event_id, variant: "a", latency_ms: 5, error: false });

describe("ExperimentObject", () => {
  it("creates once: a second create returns the stored definition untouched", async () => {
    const id = uniqueId();
    const stub = env.EXPERIMENTS.getByName(id);
    expect(await stub.create(experiment(id))).toMatchObject({ created: true });
    const again = await stub.create({ ...experiment(id), min_samples: 5 });
    expect(again).toMatchObject({ created: false, experiment: { min_samples: 1000 } });
  });

  it("refuses events before create, after stop, and for unknown variants, counting nothing", async () => {
    const id = uniqueId();
    const stub = env.EXPERIMENTS.getByName(id);
    expect(await stub.recordEvent(event("x"), 0)).toEqual({ status: "not_found" });
    expect(await stub.snapshot()).toBeNull();
    await stub.create(experiment(id));
    expect(await stub.recordEvent({ ...event("x"), variant: "c" }, 0)).toEqual({ status: "unknown_variant", variants: ["a", "b"] });
    expect(await stub.recordAssignment("c", false)).toBe(false);
    await stub.stop("2026-01-02T00:00:00.000Z");
    expect(await stub.recordEvent(event("y"), 0)).toEqual({ status: "stopped" });
    expect(await stub.recordAssignment("a", false)).toBe(false);
    expect((await stub.snapshot())!.counters.map((c) => [c.events, c.assignments])).toEqual([[0, 0], [0, 0]]);
  });

  it("a corrupted stored definition fails validation instead of being used", async () => {
    const id = uniqueId();
    const stub = env.EXPERIMENTS.getByName(id);
    await stub.create(experiment(id));
    const error = await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE meta SET value = ? WHERE key = 'experiment'", JSON.stringify({ id, split: "all" }));
      // A fresh instance reads from storage, as after an eviction.
      try {
        new ExperimentObject(state, env).snapshot();
        return null;
      } catch (e) {
        return e instanceof Error ? e.name : "unknown";
      }
    });
    expect(error).toBe("ZodError");
  });

  it(`remembers the last ${EVENT_ID_WINDOW.toLocaleString("en")} event ids and forgets older ones`, { timeout: 300_000 }, async () => {
    const id = uniqueId();
    const stub = env.EXPERIMENTS.getByName(id);
    await stub.create(experiment(id));
    const result = await runInDurableObject(stub, (instance) => {
      for (let i = 0; i <= EVENT_ID_WINDOW; i++) instance.recordEvent(event(`w${i}`), i);
      return {
        remembered: instance.rememberedEvents(),
        newestRetry: instance.recordEvent(event(`w${EVENT_ID_WINDOW}`), 0).status,
        oldestRetry: instance.recordEvent(event("w0"), 0).status,
      };
    });
    // w0 fell out of the window, so its late retry counts again; w100000 is still remembered.
    expect(result).toEqual({ remembered: EVENT_ID_WINDOW, newestRetry: "duplicate", oldestRetry: "counted" });
    expect((await stub.snapshot())!.counters[0]!.events).toBe(EVENT_ID_WINDOW + 2);
  });

  it("converts an object created with the old counters (Σx, Σx²) on first access, and counts on from there", async () => {
    const id = uniqueId();
    const stub = env.EXPERIMENTS.getByName(id);
    const converted = await runInDurableObject(stub, (_instance, state) => {
      // Variant a saw latencies 100, 200, 300 ms, scores 0.5, 0.7, 0.9 and one error; b nothing.
      writeLegacy(state, experiment(id), "(0, 'a', 4, 1, 3, 1, 600, 140000, 3, 2.1, 1.55), (1, 'b', 2, 0, 0, 0, 0, 0, 0, 0, 0)");
      expect(columnsOf(state)).toContain("latency_sum");
      // A fresh instance reads the storage as after an eviction or a deploy; its constructor converts.
      const snapshot = new ExperimentObject(state, env).snapshot();
      return { snapshot, columns: columnsOf(state), again: migrateLegacyCounters(state.storage) };
    });
    expect(converted.columns).toEqual(expect.arrayContaining(["latency_shift", "latency_shifted_mean", "latency_m2", "score_m2"]));
    expect(converted.columns).not.toContain("latency_sum");
    expect(converted.again).toBe(false); // converted once; a later access leaves it alone
    const before = buildReport(converted.snapshot!);
    expect(before.variants.map((v) => [v.name, v.assignments, v.fallbacks, v.n, v.errors, v.score.n])).toEqual([["a", 4, 1, 3, 1, 3], ["b", 2, 0, 0, 0, 0]]);
    expect(before.variants[0]!.latency_ms.mean).toBeCloseTo(200, 12);
    expect(before.variants[0]!.latency_ms.sd).toBeCloseTo(100, 9);
    expect(before.variants[0]!.score.mean).toBeCloseTo(0.7, 12);
    expect(before.variants[0]!.score.sd).toBeCloseTo(0.2, 9);
    // New events merge into the converted counters: latencies 100…400, scores 0.5…1.1.
    expect(await stub.recordEvent({ event_id: "after", variant: "a", latency_ms: 400, error: false, score: 1.1 }, 0)).toEqual({ status: "counted" });
    const after = buildReport((await stub.snapshot())!).variants[0]!;
    expect(after.n).toBe(4);
    expect(after.latency_ms.mean).toBeCloseTo(250, 12);
    expect(after.latency_ms.sd).toBeCloseTo(Math.sqrt(50_000 / 3), 9);
    expect(after.score.sd).toBeCloseTo(Math.sqrt(((0.5 - 0.8) ** 2 + 0.1 ** 2 + 0.1 ** 2 + 0.3 ** 2) / 3), 9);
  });

  it("a legacy row that fails validation aborts the conversion and leaves the old table as it was", async () => {
    const id = uniqueId();
    const stub = env.EXPERIMENTS.getByName(id);
    const outcome = await runInDurableObject(stub, (_instance, state) => {
      writeLegacy(state, experiment(id), "(0, 'a', -5, 0, 3, 0, 600, 140000, 0, 0, 0), (1, 'b', 0, 0, 0, 0, 0, 0, 0, 0, 0)");
      let error = "none";
      try {
        migrateLegacyCounters(state.storage);
      } catch (e) {
        error = e instanceof Error ? e.name : "unknown";
      }
      return { error, columns: columnsOf(state), rows: state.storage.sql.exec("SELECT COUNT(*) AS n FROM variants").one().n };
    });
    expect(outcome).toEqual({ error: "ZodError", columns: expect.arrayContaining(["latency_sum"]), rows: 2 });
  });
});
