/** Pure parts of routing under experiments: how a variant narrows constraints, and which experiment covers a walk. */
import { describe, expect, it } from "vitest";
import { narrowConstraints } from "../../src/experiments/constraints";
import { coveringExperiment } from "../../src/experiments/route-with-experiment";
import type { Experiment } from "../../src/experiments/schema";

describe("narrowConstraints", () => {
  const model = { name: "m", model: "alpha" };
  it("a model variant becomes a one-entry allow list, intersected with the client's", () => {
    expect(narrowConstraints({}, model)).toEqual({ allow_models: ["alpha"] });
    expect(narrowConstraints({ allow_models: ["beta", "alpha"], min_context: 8192 }, model)).toEqual({ allow_models: ["alpha"], min_context: 8192 });
    expect(narrowConstraints({ allow_models: ["beta"] }, model)).toBeNull();
  });

  it("limits take the stricter value and deny lists unite", () => {
    const variant = { name: "v", constraints: { max_memory_mb: 20000, min_context: 4096, max_params_b: 70, min_score: 30, deny_models: ["x"] } };
    expect(narrowConstraints({ max_memory_mb: 10000, min_context: 32768, max_params_b: 80, min_score: 10, deny_models: ["y", "x"] }, variant)).toEqual({
      max_memory_mb: 10000, min_context: 32768, max_params_b: 70, min_score: 30, deny_models: ["y", "x"],
    });
  });

  it("a precision conflict means the variant cannot serve the request", () => {
    const int4 = { name: "v", constraints: { precision: "int4" as const } };
    expect(narrowConstraints({}, int4)).toEqual({ precision: "int4" });
    expect(narrowConstraints({ precision: "int4" }, int4)).toEqual({ precision: "int4" });
    expect(narrowConstraints({ precision: "bf16" }, int4)).toBeNull();
  });
});

describe("coveringExperiment", () => {
  const exp = (id: string, category: string, include_descendants: boolean, created_at = "2026-01-01T00:00:00.000Z", status: Experiment["status"] = "running"): Experiment => ({
    id, description: null, scope: { category, include_descendants }, variants: [{ name: "a", model: "x" }, { name: "b", model: "y" }], split: [0.5, 0.5],
    min_samples: 10, significance: 0.05, status, origin: "api", created_at, stopped_at: null,
  });
  const path = ["code_rust", "code"];

  it("exact scope, or an ancestor's with descendants; the most specific wins", () => {
    expect(coveringExperiment([exp("a", "code", false)], path)).toBeNull();
    expect(coveringExperiment([exp("a", "code", true)], path)!.id).toBe("a");
    expect(coveringExperiment([exp("a", "code", true), exp("b", "code_rust", false)], path)!.id).toBe("b");
    expect(coveringExperiment([exp("a", "math", true)], path)).toBeNull();
    expect(coveringExperiment([exp("a", "code_rust", true, undefined, "stopped")], path)).toBeNull();
  });

  it("ties go to the newest, then the smallest id, whatever the order given", () => {
    const older = exp("z-old", "code", true, "2026-01-01T00:00:00.000Z");
    const newer = exp("y-new", "code", true, "2026-02-01T00:00:00.000Z");
    const twin = exp("a-twin", "code", true, "2026-02-01T00:00:00.000Z");
    expect(coveringExperiment([older, newer], path)!.id).toBe("y-new");
    expect(coveringExperiment([newer, older], path)!.id).toBe("y-new");
    expect(coveringExperiment([newer, twin, older], path)!.id).toBe("a-twin");
    expect(coveringExperiment([twin, newer], path)!.id).toBe("a-twin");
  });
});
