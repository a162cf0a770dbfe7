/**
 * Finding 10 (impossible telemetry): readings that cannot be physical are refused with a 400
 * naming the field, and stored state stays as it was. The report's case: a GPU reporting 1e9 MiB
 * free of 1,000 MiB total was accepted, and a 161 GB model was then placed on it.
 */
import { env, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { expectProblem, postJson } from "../support/http";
import { clearFleet, gpu, push, pushOk, snapshot } from "../support/telemetry";
import { TelemetryStore } from "../../src/telemetry/store";

beforeEach(() => clearFleet(env.ROUTER_KV));

describe("impossible readings", () => {
  it("400 for free memory above the total, and the 161 GB model is not placed on it", async () => {
    await pushOk(snapshot("phys-honest", [gpu(0, 20_000, { memory_total_mb: 24_000 })]));
    const liar = gpu(0, 1e9, { memory_total_mb: 1000 });
    const problem = await expectProblem(await push(snapshot("phys-liar", [liar])), 400);
    expect(problem.errors).toContainEqual({ path: "gpus.0.memory_free_mb", message: "1000000000 MiB is more than memory_total_mb 1000" });
    expect(problem.errors.every((e) => e.path === "gpus.0.memory_free_mb")).toBe(true);
    expect(await new TelemetryStore(env.ROUTER_KV).read("phys-liar")).toBeNull();
    const route = await postJson("/v1/route", { category: "general", constraints: { allow_models: ["llama-3.1-70b-instruct"], precision: "bf16" } });
    // The honest 24 GB GPU is the whole fleet: the 161 GB model fits nowhere.
    expect(route.status).toBe(503);
    await route.body?.cancel();
  });

  const cases: Array<[string, Parameters<typeof gpu>[2], string]> = [
    ["used above total", { memory_total_mb: 1000, memory_used_mb: 2000, memory_free_mb: 10 }, "gpus.0.memory_used_mb"],
    ["reserved above total", { memory_total_mb: 1000, memory_reserved_mb: 1001, memory_free_mb: 10 }, "gpus.0.memory_reserved_mb"],
    ["a temperature of 500 °C", { temperature_c: 500 }, "gpus.0.temperature_c"],
    ["a temperature of -273 °C", { temperature_c: -273 }, "gpus.0.temperature_c"],
    ["utilization of 250 %", { utilization_gpu_pct: 250 }, "gpus.0.utilization_gpu_pct"],
    ["memory utilization of -1 %", { utilization_memory_pct: -1 }, "gpus.0.utilization_memory_pct"],
    ["16 PiB of memory", { memory_total_mb: 2 ** 34, memory_free_mb: 10 }, "gpus.0.memory_total_mb"],
    ["a 1 MW power draw", { power_draw_w: 1e6 }, "gpus.0.power_draw_w"],
    ["a MIG instance larger than its GPU", {
      memory_total_mb: 1000, memory_free_mb: 10, mig_mode: "enabled",
      mig_devices: [{ index: 0, gpu_instance_id: 1, compute_instance_id: 0, memory_total_mb: 2000, memory_used_mb: 0, memory_free_mb: 5, memory_reserved_mb: 0 }],
    }, "gpus.0.mig_devices.0.memory_total_mb"],
    ["a MIG instance with more free than total", {
      memory_total_mb: 1000, memory_free_mb: 10, mig_mode: "enabled",
      mig_devices: [{ index: 0, gpu_instance_id: 1, compute_instance_id: 0, memory_total_mb: 500, memory_used_mb: 0, memory_free_mb: 501, memory_reserved_mb: 0 }],
    }, "gpus.0.mig_devices.0.memory_free_mb"],
  ];
  for (const [what, overrides, path] of cases) {
    it(`400 naming ${path} for ${what}`, async () => {
      const problem = await expectProblem(await push(snapshot("phys-case", [gpu(0, 500, overrides)])), 400);
      expect(problem.errors.map((e) => e.path)).toContain(path);
    });
  }

  it("a raw CSV upload with free above total names the field too", async () => {
    const csv = "index, memory.total [MiB], memory.free [MiB]\n0, 1000 MiB, 999999 MiB\n";
    const problem = await expectProblem(await push(csv, { contentType: "text/csv", headers: { "x-node-name": "phys-raw" } }), 400);
    expect(problem.errors).toEqual([{ path: "body.gpus.0.memory_free_mb", message: "999999 MiB is more than memory_total_mb 1000" }]);
    const fleet = (await (await SELF.fetch("http://router/v1/fleet")).json()) as { nodes: unknown[] };
    expect(fleet.nodes).toEqual([]);
  });
});
