/**
 * The bundled demo registry against the plan's goals and against its sources: every number must
 * be one that data/benchmarks.csv states, with that row's source URL.
 */
import { describe, expect, it } from "vitest";
import csv from "../../data/benchmarks.csv?raw";
import { parseCsv } from "../../scripts/demo-registry/csv";
import { canonicalBenchmark } from "../../src/registry/benchmark-aliases";
import { DEMO_REGISTRY as demo } from "../../src/registry/store";
import { validateRegistry } from "../../src/registry/validation";
import { Taxonomy } from "../../src/registry/taxonomy";

const rows = parseCsv(csv);

describe("demo registry", () => {
  it("validates with no errors", () => {
    expect(validateRegistry(demo).errors).toEqual([]);
  });

  it("has 30+ real models, 80%+ of them serving two or more categories", () => {
    expect(demo.models.length).toBeGreaterThanOrEqual(30);
    const multi = demo.models.filter((m) => Object.keys(m.categories).length >= 2).length;
    expect(multi / demo.models.length).toBeGreaterThanOrEqual(0.8);
    const families = ["llama", "qwen2.5-coder", "qwen2.5", "deepseek", "mistral", "mixtral", "gemma", "phi", "starcoder", "granite"];
    for (const family of families) expect(demo.models.some((m) => m.id.startsWith(family))).toBe(true);
  });

  it("has the taxonomy the plan asks for", () => {
    const t = new Taxonomy(demo.categories);
    expect(demo.categories.length).toBeGreaterThanOrEqual(20);
    for (const root of ["code", "math", "reasoning", "time_series", "general"]) expect(t.get(root)?.parent).toBeNull();
    const children: Record<string, string> = {
      code_python: "code", code_javascript: "code", code_rust: "code", math_algebra: "math", math_calculus: "math",
      nlp_sentiment: "reasoning", nlp_ner: "reasoning", data_forecasting: "time_series", data_anomaly: "time_series",
    };
    for (const [child, parent] of Object.entries(children)) expect(t.get(child)?.parent).toBe(parent);
    for (const c of demo.categories) expect(t.relevantBenchmarks(c.id).length).toBeGreaterThan(0);
  });

  it("every benchmark number is one the CSV states for that model, with its source", () => {
    let checked = 0;
    for (const model of demo.models) {
      const sourced = rows.filter((r) => r["hf_repo"] === model.hf_repo);
      expect(sourced.length).toBeGreaterThan(0);
      for (const result of model.benchmarks) {
        const match = sourced.find((r) => canonicalBenchmark(r["benchmark"]!) === result.name && Number(r["score"]) === result.score);
        expect(match, `${model.id} ${result.name} ${result.score}`).toBeDefined();
        expect(match!["source_url"]!.startsWith(result.source)).toBe(true);
        expect(result.source).toMatch(/^https:\/\//);
        checked++;
      }
      expect(model.params_b).toBe(Number(sourced[0]!["params_b"]));
      const context = sourced[0]!["context_len"];
      expect(model.context_length).toBe(context === "" ? null : Number(context));
    }
    expect(checked).toBeGreaterThan(150);
  });

  it("memory follows the stated rule: params × bytes × (1 + KV fraction) + runtime overhead", () => {
    const rule = demo.config.memory_rule;
    for (const model of demo.models) {
      for (const precision of ["bf16", "fp8", "int4"] as const) {
        const expected = Math.ceil((model.params_b * 1e9 * rule.bytes_per_param[precision]) / 1048576 * (1 + rule.kv_cache_fraction) + rule.runtime_overhead_mb);
        expect(model.memory_mb[precision]).toBe(expected);
      }
      // The default precision is the most precise one that fits the largest GPU class.
      const largest = Math.max(...demo.config.gpu_classes.map((g) => g.memory_mb));
      expect(model.memory_mb[model.default_precision]!).toBeLessThanOrEqual(largest);
    }
  });
});
