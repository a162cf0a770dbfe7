/**
 * Builds src/registry/demo-registry.json from data/benchmarks.csv (sourced numbers) and spec.ts
 * (taxonomy, weights, families). Run: npm run demo-registry. The output is committed so the
 * worker and the tests never need this script; rerun it when the CSV or the spec changes.
 *
 * Rules (also in docs/registry.md):
 * - labels → canonical names through src/registry/benchmark-aliases.ts; when a model has two rows
 *   for one canonical benchmark, the row whose label is exactly the canonical name wins;
 * - models without a sourced parameter count are left out (memory cannot be derived);
 * - memory_mb per precision = ceil(params × bytes_per_param × (1 + kv_cache_fraction) + runtime_overhead_mb);
 *   default_precision = the highest precision that fits the largest configured GPU class;
 * - a model serves a category its family lists only when it has ≥ 1 result relevant to it;
 *   confidence = 0.5 + 0.5 × (share of the category's relevant benchmarks the model has),
 *   × 0.9 when any of those results is from a secondary aggregator.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { canonicalBenchmark } from "../../src/registry/benchmark-aliases";
import { PRECISIONS, REGISTRY_SCHEMA_VERSION, type Model, type Registry, type BenchmarkResult } from "../../src/registry/schema";
import { Taxonomy } from "../../src/registry/taxonomy";
import { validateRegistry } from "../../src/registry/validation";
import { BENCHMARKS, CATEGORIES, CONFIG, FAMILIES, MODEL_FAMILY } from "./spec";
import { parseCsv } from "./csv";

interface Row {
  model: string;
  hf_repo: string;
  params_b: string;
  context_len: string;
  benchmark: string;
  score: string;
  shots_or_setting: string;
  source_url: string;
}

/** Active parameters of mixture-of-experts models, as stated by the sources in data/benchmarks_NOTES.md. */
const ACTIVE_PARAMS_B: Record<string, number> = {
  "mistralai/Mixtral-8x7B-v0.1": 13,
  "deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct": 2.4,
};

const round2 = (x: number): number => Math.round(x * 100) / 100;

export function memoryFor(paramsB: number): Model["memory_mb"] {
  const rule = CONFIG.memory_rule;
  const mib = (bytes: number): number =>
    Math.ceil((paramsB * 1e9 * bytes) / 1048576 * (1 + rule.kv_cache_fraction) + rule.runtime_overhead_mb);
  return { bf16: mib(rule.bytes_per_param.bf16), fp8: mib(rule.bytes_per_param.fp8), int4: mib(rule.bytes_per_param.int4) };
}

function splitSource(raw: string): { source: string; source_note?: string } {
  const match = /^(\S+)\s*(?:\((.*)\))?\s*$/.exec(raw.trim());
  if (!match) throw new Error(`cannot read source '${raw}'`);
  return match[2] ? { source: match[1]!, source_note: match[2] } : { source: match[1]! };
}

function modelId(hfRepo: string): string {
  return hfRepo.split("/")[1]!.toLowerCase();
}

function buildModel(hfRepo: string, rows: Row[], taxonomy: Taxonomy, log: string[]): Model | null {
  const first = rows[0]!;
  const family = MODEL_FAMILY[hfRepo];
  if (!family) {
    log.push(`left out ${hfRepo}: no family in spec.ts`);
    return null;
  }
  if (first.params_b === "") {
    log.push(`left out ${hfRepo}: no sourced parameter count, memory cannot be derived`);
    return null;
  }
  const paramsB = Number(first.params_b);
  const results = new Map<string, { row: Row; result: BenchmarkResult }>();
  for (const row of rows) {
    const name = canonicalBenchmark(row.benchmark);
    if (!name) throw new Error(`${hfRepo}: no alias for benchmark label '${row.benchmark}'`);
    const previous = results.get(name);
    if (previous && previous.row.benchmark === name) {
      log.push(`${hfRepo}: kept '${previous.row.benchmark}' ${previous.row.score}, dropped '${row.benchmark}' ${row.score}`);
      continue;
    }
    if (previous) log.push(`${hfRepo}: kept '${row.benchmark}' ${row.score}, dropped '${previous.row.benchmark}' ${previous.row.score}`);
    const setting = row.benchmark === name ? row.shots_or_setting : `${row.shots_or_setting}; source label '${row.benchmark}'`;
    results.set(name, { row, result: { name, score: Number(row.score), setting, ...splitSource(row.source_url) } });
  }
  const benchmarks = [...results.values()].map((r) => r.result);
  const secondary = new Set([...results.values()].filter((r) => r.row.shots_or_setting.includes("SECONDARY")).map((r) => r.result.name));

  const categories: Model["categories"] = {};
  for (const [category, base] of Object.entries(FAMILIES[family]!)) {
    const relevant = taxonomy.relevantBenchmarks(category);
    const have = relevant.filter((b) => results.has(b));
    if (have.length === 0) continue;
    const coverage = have.length / relevant.length;
    const discount = have.some((b) => secondary.has(b)) ? 0.9 : 1;
    categories[category] = { base_score: base, confidence: round2((0.5 + 0.5 * coverage) * discount) };
  }

  const memory = memoryFor(paramsB);
  const largest = Math.max(...CONFIG.gpu_classes.map((g) => g.memory_mb));
  const defaultPrecision = PRECISIONS.find((p) => (memory[p] ?? Infinity) <= largest) ?? "int4";
  const model: Model = {
    id: modelId(hfRepo),
    name: first.model,
    hf_repo: hfRepo,
    params_b: paramsB,
    context_length: first.context_len === "" ? null : Number(first.context_len),
    memory_mb: memory,
    default_precision: defaultPrecision,
    categories,
    benchmarks,
  };
  const active = ACTIVE_PARAMS_B[hfRepo];
  return active === undefined ? model : { ...model, active_params_b: active };
}

function main(): void {
  const rows = parseCsv(readFileSync(new URL("../../data/benchmarks.csv", import.meta.url), "utf8")) as unknown as Row[];
  const taxonomy = new Taxonomy(CATEGORIES);
  const byRepo = new Map<string, Row[]>();
  for (const row of rows) byRepo.set(row.hf_repo, [...(byRepo.get(row.hf_repo) ?? []), row]);
  const log: string[] = [];
  const models = [...byRepo.entries()].map(([repo, r]) => buildModel(repo, r, taxonomy, log)).filter((m): m is Model => m !== null);
  const registry: Registry = { schema_version: REGISTRY_SCHEMA_VERSION, version: 1, config: CONFIG, benchmarks: BENCHMARKS, categories: CATEGORIES, models };
  const { errors } = validateRegistry(registry);
  if (errors.length > 0) throw new Error(`demo registry is invalid:\n${errors.map((e) => `${e.path}: ${e.message}`).join("\n")}`);
  const multi = models.filter((m) => Object.keys(m.categories).length >= 2).length;
  writeFileSync(new URL("../../src/registry/demo-registry.json", import.meta.url), JSON.stringify(registry, null, 1) + "\n");
  for (const line of log) console.log(`  ${line}`);
  console.log(`wrote ${models.length} models, ${CATEGORIES.length} categories; ${multi}/${models.length} serve 2+ categories`);
}

main();
