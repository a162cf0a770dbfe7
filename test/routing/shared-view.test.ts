/**
 * The fleet view and experiments index shared by the isolates of one data center through the Cache API: an isolate uses
 * a copy younger than half of CACHE_TTL_MS instead of listing KV, its TTL then runs from when the
 * copy was read, and a copy that does not validate is ignored, never trusted.
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { clearFleet, gpu, snapshot } from "../support/telemetry";
import { SnapshotSchema } from "../../src/telemetry/snapshot";
import { TelemetryStore } from "../../src/telemetry/store";
import { FLEET_CACHE_KEY, KvFleetSource } from "../../src/telemetry/fleet";
import type { Env } from "../../src/env";
import kernelModule from "../../build/kernel.wasm";
import { RoutingContext, type FleetSnapshot } from "../../src/routing/context";
import { RegistryStore } from "../../src/registry/store";
import { model, registry } from "../support/builders";
import { EXPERIMENTS_CACHE_KEY, RunningExperiments } from "../../src/experiments/running";
import { ExperimentStore } from "../../src/experiments/store";
import { ExperimentSchema } from "../../src/experiments/schema";
import { readColoCopy, writeColoCopy } from "../../src/colo-copy";
import { captureConsole } from "../support/console";

const experimentFixture = (id: string) => ({
  id,
  description: null,
  scope: { category: "code", include_descendants: true },
  variants: [{ name: "control", model: "a" }, { name: "treatment", model: "b" }],
  split: [0.5, 0.5],
  min_samples: 200,
  significance: 0.05,
  status: "running",
  origin: "api",
  created_at: new Date().toISOString(),
  stopped_at: null,
});

const withTtl = (ms: number): Env => ({ ...env, CACHE_TTL_MS: String(ms) }) as Env;

beforeEach(async () => {
  await clearFleet(env.ROUTER_KV);
  await caches.default.delete(FLEET_CACHE_KEY);
});

async function push(node: string, free: number): Promise<void> {
  await new TelemetryStore(env.ROUTER_KV).write(SnapshotSchema.parse(snapshot(node, [gpu(0, free)])), new Date());
}

describe("the data center's shared fleet view", () => {
  it("a second isolate within half the TTL gets the first one's view, with when it was read, and lists no KV", async () => {
    await push("a", 100);
    const t0 = Date.now();
    const first = await new KvFleetSource().snapshot(withTtl(4000), t0);
    expect(first.nodes.map((n) => n.id)).toEqual(["a"]);
    expect(first.read_at_ms).toBeUndefined();
    await push("b", 200); // in KV now, but not in the shared copy
    const second = await new KvFleetSource().snapshot(withTtl(4000), t0 + 1500);
    expect(second.nodes.map((n) => n.id)).toEqual(["a"]);
    expect(second.generation).toBe(first.generation);
    expect(second.read_at_ms).toBe(t0);
    expect(second.nodes).toEqual(first.nodes);
  });

  it("a copy older than half the TTL is listed afresh from KV, and replaces the shared copy", async () => {
    await push("a", 100);
    const t0 = Date.now();
    await new KvFleetSource().snapshot(withTtl(4000), t0);
    await push("b", 200);
    const later = await new KvFleetSource().snapshot(withTtl(4000), t0 + 2000);
    expect(later.nodes.map((n) => n.id).sort()).toEqual(["a", "b"]);
    const third = await new KvFleetSource().snapshot(withTtl(4000), t0 + 2100);
    expect(third.read_at_ms).toBe(t0 + 2000);
    expect(third.nodes.map((n) => n.id).sort()).toEqual(["a", "b"]);
  });

  it("a TTL under 2 s (Cache-Control counts whole seconds) always lists KV", async () => {
    await push("a", 100);
    const t0 = Date.now();
    await new KvFleetSource().snapshot(withTtl(1000), t0);
    await push("b", 200);
    const next = await new KvFleetSource().snapshot(withTtl(1000), t0 + 1);
    expect(next.nodes.map((n) => n.id).sort()).toEqual(["a", "b"]);
  });

  it("a shared copy that does not validate is ignored and overwritten from KV", async () => {
    await push("a", 100);
    const t0 = Date.now();
    const forged = { at: t0, value: { generation: "g", nodes: [["evil", { v: 1, s: 1, t: t0, bogus: true }]] } };
    await caches.default.put(FLEET_CACHE_KEY, new Response(JSON.stringify(forged), { headers: { "cache-control": "max-age=60" } }));
    const view = await new KvFleetSource().snapshot(withTtl(4000), t0 + 10);
    expect(view.nodes.map((n) => n.id)).toEqual(["a"]);
    expect(view.read_at_ms).toBeUndefined();
  });
});

describe("an isolate's TTL", () => {
  it("runs from when a shared view was read, so no view is used longer than CACHE_TTL_MS after its read", async () => {
    // Straight into KV (RegistryStore.store; PUT /v1/registry numbers versions through RegistryObject): only a stored registry matters here.
    await new RegistryStore(env.ROUTER_KV).store({ ...registry([model("m")]), version: 2, updated_at: new Date().toISOString() });
    const asked: number[] = [];
    const t0 = 1_000_000;
    const context = new RoutingContext({
      kernelModule,
      fleetSource: { snapshot: async (_env, now_ms): Promise<FleetSnapshot> => (asked.push(now_ms), { generation: "g", nodes: [], read_at_ms: t0 - 1500 }) },
    });
    await context.get(withTtl(2000), t0);
    await context.get(withTtl(2000), t0 + 400); // 1.9 s after the read: still cached
    await context.get(withTtl(2000), t0 + 600); // 2.1 s after the read: asked again
    expect(asked).toEqual([t0, t0 + 600]);
  });
});

describe("the data center's shared experiments index", () => {
  it("a second isolate within half the TTL takes the first one's list; an isolate that just changed an experiment lists KV itself", async () => {
    await caches.default.delete(EXPERIMENTS_CACHE_KEY);
    const store = new ExperimentStore(env.ROUTER_KV);
    const t0 = Date.now();
    const first = new RunningExperiments();
    expect((await first.get(withTtl(4000), t0)).map((e) => e.id)).not.toContain("shared-exp");
    const experiment = ExperimentSchema.parse(experimentFixture("shared-exp"));
    await store.put(experiment); // in KV now, not in the shared copy
    const second = new RunningExperiments();
    expect((await second.get(withTtl(4000), t0 + 1000)).map((e) => e.id)).not.toContain("shared-exp");
    second.invalidate();
    expect((await second.get(withTtl(4000), t0 + 1100)).map((e) => e.id)).toContain("shared-exp");
    // ...and what it listed is the copy the others now take.
    const third = new RunningExperiments();
    expect((await third.get(withTtl(4000), t0 + 1200)).map((e) => e.id)).toContain("shared-exp");
    await env.ROUTER_KV.delete("experiment:shared-exp");
    await caches.default.delete(EXPERIMENTS_CACHE_KEY);
  });
});

describe("a data-center cache that fails", () => {
  const failing = { match: async () => Promise.reject(new Error("cache down")), put: async () => Promise.reject(new Error("cache full")) } as unknown as Cache;

  it("is read as no copy (KV is read instead) and a failed store is logged, never thrown", async () => {
    expect(await readColoCopy(failing, "https://x.internal/", ExperimentSchema, Date.now(), 1000)).toBeNull();
    const stored = await captureConsole(() => writeColoCopy(failing, "https://x.internal/", { a: 1 }, Date.now(), 2000));
    expect(stored.logged).toHaveLength(1);
    expect(stored.logged[0]).toMatch(/^colo copy: could not store https:\/\/x\.internal\/; isolates here read KV themselves until one can:/);
  });
});
