/**
 * Broken registries, one per kind of error the validator knows, built from the demo registry.
 * Shared by the validate CLI tests (node project) and the PUT /v1/registry test (workers
 * project), so both prove the same list: what the CLI calls an error, the worker rejects.
 * Pure: no Node APIs, so workerd can import it.
 */
import demo from "../../src/registry/demo-registry.json";
import { RegistrySchema, type Registry } from "../../src/registry/schema";

export interface BrokenCase {
  name: string;
  doc: unknown;
  /** Paths that must be among the errors. */
  paths: string[];
  /** Text one of the messages must contain. */
  message: string;
}

/** A deep copy of the demo registry to break. */
export function demoCopy(): Registry {
  return RegistrySchema.parse(structuredClone(demo));
}

function broken(name: string, paths: string[], message: string, edit: (r: Registry) => void): BrokenCase {
  const doc = demoCopy();
  edit(doc);
  return { name, doc, paths, message };
}

const reg = demoCopy();
const codeAt = reg.categories.findIndex((c) => c.id === "code");
const chatAt = reg.categories.findIndex((c) => c.id === "general_chat");
const generalAt = reg.categories.findIndex((c) => c.id === "general");
const lastBenchmark = reg.models[0]!.benchmarks.length;

export const BROKEN_CASES: BrokenCase[] = [
  broken("score above 100", ["models.0.benchmarks.0.score"], "100", (r) => {
    r.models[0]!.benchmarks[0]!.score = 140;
  }),
  broken("unknown benchmark in a category, with a near-miss suggestion", [`categories.${codeAt}.benchmarks.0`], "did you mean 'HumanEval'", (r) => {
    r.categories[codeAt]!.benchmarks = ["humaneval", "MBPP"];
  }),
  broken("unknown benchmark in a model's results", ["models.0.benchmarks.0.name"], "did you mean 'MMLU-Pro'", (r) => {
    r.models[0]!.benchmarks[0]!.name = "MMLU_Pro";
  }),
  broken("duplicate model id", ["models.1.id"], "duplicate model id", (r) => {
    r.models[1]!.id = r.models[0]!.id;
  }),
  broken("duplicate benchmark result in one model", [`models.0.benchmarks.${lastBenchmark}.name`], "duplicate result", (r) => {
    r.models[0]!.benchmarks.push({ ...r.models[0]!.benchmarks[0]! });
  }),
  broken("duplicate catalog benchmark", [`benchmarks.${reg.benchmarks.length}.name`], "duplicate benchmark", (r) => {
    r.benchmarks.push({ ...r.benchmarks[0]! });
  }),
  broken("model category unknown to the taxonomy", ["models.0.categories.cod"], "did you mean 'code'", (r) => {
    r.models[0]!.categories.cod = { base_score: 10, confidence: 0.5 };
  }),
  broken("taxonomy cycle", [`categories.${generalAt}.parent`, `categories.${chatAt}.parent`], "category cycle", (r) => {
    r.categories[generalAt]!.parent = "general_chat";
  }),
  broken("orphan category (unknown parent)", [`categories.${chatAt}.parent`], "unknown parent category 'generl'", (r) => {
    r.categories[chatAt]!.parent = "generl";
  }),
  broken("duplicate category id", [`categories.${chatAt}.id`], "duplicate category id", (r) => {
    r.categories[chatAt]!.id = "general";
    r.categories[chatAt]!.parent = null;
  }),
  broken("unknown field", ["models.0.tags"], "unknown field", (r) => {
    Object.assign(r.models[0]!, { tags: ["chat"] });
  }),
  broken("default precision without a memory figure", ["models.0.default_precision"], "memory_mb", (r) => {
    r.models[0]!.memory_mb = { int4: r.models[0]!.memory_mb.int4! };
    r.models[0]!.default_precision = "bf16";
  }),
];

/** Valid but suspicious: only warnings, so PUT accepts it and `validate` fails it only under --strict. */
export function warningsOnly(): { doc: Registry; paths: string[] } {
  const r = demoCopy();
  const m = r.models[0]!;
  m.memory_mb = { int4: 200_000 };
  m.default_precision = "int4";
  return { doc: r, paths: ["models.0.memory_mb"] };
}
