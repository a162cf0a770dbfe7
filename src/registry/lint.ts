/**
 * Warnings and success metrics for a registry that already passed the schema: things that are
 * legal but probably not what the author meant (a category nobody can be scored on, a model too
 * big for every GPU class). validateRegistry attaches the warnings to its result; the `validate`
 * CLI prints them with the metrics. Pure: no clock, no I/O, no Node APIs, so the worker can run it.
 */
import type { FieldError } from "../errors";
import { PRECISIONS, type Precision, type Registry } from "./schema";
import { Taxonomy } from "./taxonomy";

/** One of the product plan's success metrics, with its goal. */
export interface SuccessMetric {
  id: "multi_category_share" | "category_count" | "benchmark_scoring_share";
  label: string;
  /** A share (0–1) or a count, per `kind`. */
  value: number;
  kind: "share" | "count";
  numerator: number;
  denominator: number;
  /** The value must be at least this. */
  goal: number;
  met: boolean;
}

export interface RegistryMetrics {
  metrics: SuccessMetric[];
  /** Categories no model serves directly (requests fall back to an ancestor); informational. */
  categories_without_models: string[];
}

/** Warnings about a schema-valid registry; paths are dotted like validation errors. */
export function lintRegistry(registry: Registry): FieldError[] {
  const taxonomy = new Taxonomy(registry.categories);
  const firstByRepo = new Map<string, number>();
  registry.models.forEach((m, i) => {
    if (!firstByRepo.has(m.hf_repo)) firstByRepo.set(m.hf_repo, i);
  });
  return [
    ...catalogWarnings(registry, taxonomy),
    ...categoryWarnings(registry, taxonomy),
    ...registry.models.flatMap((_, i) => modelWarnings(registry, taxonomy, firstByRepo, i)),
  ];
}

/** The plan's success metrics: share of models serving 2+ categories, category count, share with benchmark scoring active. */
export function successMetrics(registry: Registry): RegistryMetrics {
  const taxonomy = new Taxonomy(registry.categories);
  const models = registry.models;
  const multi = models.filter((m) => Object.keys(m.categories).length >= 2).length;
  const active = models.filter((m) => {
    const served = Object.keys(m.categories);
    return served.length > 0 && served.every((c) => unbackedCategory(taxonomy, c, m.benchmarks) === null);
  }).length;
  const served = new Set(models.flatMap((m) => Object.keys(m.categories)));
  const share = (n: number): number => (models.length === 0 ? 0 : n / models.length);
  return {
    metrics: [
      { id: "multi_category_share", label: "models serving 2+ categories", kind: "share", value: share(multi), numerator: multi, denominator: models.length, goal: 0.8, met: share(multi) >= 0.8 },
      { id: "category_count", label: "categories", kind: "count", value: registry.categories.length, numerator: registry.categories.length, denominator: 1, goal: 20, met: registry.categories.length >= 20 },
      { id: "benchmark_scoring_share", label: "models with benchmark scoring active", kind: "share", value: share(active), numerator: active, denominator: models.length, goal: 1, met: share(active) >= 1 },
    ],
    categories_without_models: registry.categories.filter((c) => !served.has(c.id)).map((c) => c.id),
  };
}

function catalogWarnings(registry: Registry, taxonomy: Taxonomy): FieldError[] {
  const used = new Set(registry.categories.flatMap((c) => taxonomy.relevantBenchmarks(c.id)));
  return registry.benchmarks.flatMap((b, i) =>
    used.has(b.name) ? [] : [{ path: `benchmarks.${i}.name`, message: `no category counts '${b.name}' (directly or by inheritance): its results never affect a score` }],
  );
}

function categoryWarnings(registry: Registry, taxonomy: Taxonomy): FieldError[] {
  const served = new Set(registry.models.flatMap((m) => Object.keys(m.categories)));
  return registry.categories.flatMap((c, i) => {
    const out: FieldError[] = [];
    if (taxonomy.relevantBenchmarks(c.id).length === 0) {
      out.push({ path: `categories.${i}.benchmarks`, message: `'${c.id}' has no relevant benchmark, own or inherited: every model scores 0 benchmark points in it` });
    }
    // Routing tries the category, then each ancestor; when none of them is served, requests always fail.
    if (!taxonomy.path(c.id).some((step) => served.has(step))) {
      out.push({ path: `categories.${i}.id`, message: `no model serves '${c.id}' or any of its ancestors: requests for it can never be routed` });
    }
    return out;
  });
}

function modelWarnings(registry: Registry, taxonomy: Taxonomy, firstByRepo: Map<string, number>, i: number): FieldError[] {
  const model = registry.models[i]!;
  const out: FieldError[] = [];
  const at = `models.${i}`;
  const firstWithRepo = firstByRepo.get(model.hf_repo) ?? i;
  if (firstWithRepo !== i) out.push({ path: `${at}.hf_repo`, message: `'${model.hf_repo}' is also the repo of models.${firstWithRepo} (${registry.models[firstWithRepo]!.id})` });

  if (Object.keys(model.categories).length === 0) out.push({ path: `${at}.categories`, message: `'${model.id}' serves no category: it is never routed to` });
  for (const category of Object.keys(model.categories)) {
    if (!taxonomy.has(category)) continue; // an error already (unknown category)
    const missing = unbackedCategory(taxonomy, category, model.benchmarks);
    if (missing !== null) {
      out.push({ path: `${at}.categories.${category}`, message: `no result for any benchmark relevant to '${category}' (${missing.join(", ") || "none"}): scored on base_score alone` });
    }
  }
  model.benchmarks.forEach((b, j) => {
    if (b.score > 0 && b.score <= 1) {
      out.push({ path: `${at}.benchmarks.${j}.score`, message: `${b.name} ${b.score} looks like a 0–1 fraction; scores are percentage points (0–100)` });
    }
  });
  out.push(...sizeWarnings(registry, i));
  return out;
}

/** The category's relevant benchmarks when the model has a result for none of them, else null. */
function unbackedCategory(taxonomy: Taxonomy, category: string, results: Registry["models"][number]["benchmarks"]): string[] | null {
  const relevant = taxonomy.relevantBenchmarks(category);
  return relevant.some((name) => results.some((r) => r.name === name)) ? null : relevant;
}

/** A model fits a class when its memory at a precision plus the configured headroom is within the class. */
function sizeWarnings(registry: Registry, i: number): FieldError[] {
  const model = registry.models[i]!;
  const headroom = registry.config.gpu.memory_headroom_mb;
  const largest = registry.config.gpu_classes.reduce((a, b) => (b.memory_mb > a.memory_mb ? b : a));
  const fits = (p: Precision): boolean => {
    const need = model.memory_mb[p];
    return need !== undefined && need + headroom <= largest.memory_mb;
  };
  const offered = PRECISIONS.filter((p) => model.memory_mb[p] !== undefined);
  if (!offered.some(fits)) {
    const smallest = offered.reduce((a, b) => (model.memory_mb[b]! < model.memory_mb[a]! ? b : a));
    return [{
      path: `models.${i}.memory_mb`,
      message: `'${model.id}' needs ${model.memory_mb[smallest]} MiB at ${smallest} (+${headroom} headroom), more than the largest GPU class '${largest.name}' (${largest.memory_mb} MiB): it can never be placed`,
    }];
  }
  if (!fits(model.default_precision)) {
    const alternative = offered.filter(fits).join(", ");
    return [{
      path: `models.${i}.default_precision`,
      message: `'${model.id}' at ${model.default_precision} needs ${model.memory_mb[model.default_precision]} MiB (+${headroom} headroom), more than any GPU class; ${alternative} would fit`,
    }];
  }
  return [];
}
