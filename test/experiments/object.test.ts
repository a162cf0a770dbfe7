/**
 * The Durable Object itself, through RPC and runInDurableObject: validation of what it reads
 * back, and the bounded memory of event ids that makes events idempotent.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { EVENT_ID_WINDOW, ExperimentObject } from "../../src/experiments/object";
import { buildExperiment } from "../../src/experiments/service";
import { ExperimentInputSchema } from "../../src/experiments/schema";
import { uniqueId } from "./support";

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
});
