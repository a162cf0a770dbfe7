/**
 * Whole-document validation of a registry: the zod schema, then the cross-references zod cannot
 * see. PUT /v1/registry rejects a document with any error; the `validate` CLI prints errors and
 * warnings. Both call validateRegistry, so they can never disagree. Warnings (lint.ts) never
 * reject a document.
 */
import type { z } from "@hono/zod-openapi";
import type { FieldError } from "../errors";
import { nearestName, suggestBenchmark } from "./benchmark-aliases";
import { lintRegistry } from "./lint";
import { RegistrySchema, type Registry } from "./schema";
import { EMBEDDING_CATEGORY, Taxonomy } from "./taxonomy";

export interface ValidationResult {
  /** The parsed document when there are no errors. */
  registry: Registry | null;
  errors: FieldError[];
  warnings: FieldError[];
}

/** Renders zod issues as dotted paths ("models.3.categories.code.confidence"). */
export function zodIssues(error: z.ZodError, prefix = ""): FieldError[] {
  const join = (parts: PropertyKey[]): string => [prefix, ...parts.map(String)].filter((p) => p !== "").join(".") || "(root)";
  return error.issues.flatMap((issue) =>
    // An unknown key is named by the key itself, so the client sees which field to remove.
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: join([...issue.path, key]), message: "unknown field" }))
      : [{ path: join(issue.path), message: issue.message }],
  );
}

export function validateRegistry(doc: unknown): ValidationResult {
  const parsed = RegistrySchema.safeParse(doc);
  if (!parsed.success) return { registry: null, errors: zodIssues(parsed.error), warnings: [] };
  const registry = parsed.data;
  const errors = crossReferenceErrors(registry);
  // Warnings on a document with errors are mostly echoes of those errors; they come once it is valid.
  if (errors.length > 0) return { registry: null, errors, warnings: [] };
  return { registry, errors, warnings: lintRegistry(registry) };
}

function crossReferenceErrors(registry: Registry): FieldError[] {
  const errors: FieldError[] = [];
  const benchmarkNames = new Set<string>();
  registry.benchmarks.forEach((b, i) => {
    if (benchmarkNames.has(b.name)) errors.push({ path: `benchmarks.${i}.name`, message: `duplicate benchmark '${b.name}'` });
    benchmarkNames.add(b.name);
  });
  const catalog = [...benchmarkNames];
  const unknownBenchmark = (name: string): string => withSuggestion(`unknown benchmark '${name}'`, suggestBenchmark(name, catalog));

  const categoryIds = new Set<string>();
  registry.categories.forEach((c, i) => {
    if (categoryIds.has(c.id)) errors.push({ path: `categories.${i}.id`, message: `duplicate category id '${c.id}'` });
    categoryIds.add(c.id);
    c.benchmarks?.forEach((name, j) => {
      if (!benchmarkNames.has(name)) {
        errors.push({ path: `categories.${i}.benchmarks.${j}`, message: unknownBenchmark(name) });
      }
    });
  });
  const parents = new Map(registry.categories.map((c) => [c.id, c.parent]));
  registry.categories.forEach((c, i) => {
    if (c.parent !== null && !categoryIds.has(c.parent)) {
      const message = withSuggestion(`unknown parent category '${c.parent}'`, nearestName(c.parent, [...categoryIds]));
      errors.push({ path: `categories.${i}.parent`, message });
    }
  });
  registry.categories.forEach((c, i) => {
    const cycle = findCycle(c.id, parents);
    if (cycle) errors.push({ path: `categories.${i}.parent`, message: `category cycle: ${cycle.join(" -> ")}` });
  });

  const modelIds = new Set<string>();
  registry.models.forEach((m, i) => {
    if (modelIds.has(m.id)) errors.push({ path: `models.${i}.id`, message: `duplicate model id '${m.id}'` });
    modelIds.add(m.id);
    for (const category of Object.keys(m.categories)) {
      if (!categoryIds.has(category)) {
        const message = withSuggestion(`unknown category '${category}'`, nearestName(category, [...categoryIds]));
        errors.push({ path: `models.${i}.categories.${category}`, message });
      }
    }
    const seen = new Set<string>();
    m.benchmarks.forEach((b, j) => {
      if (!benchmarkNames.has(b.name)) {
        errors.push({ path: `models.${i}.benchmarks.${j}.name`, message: unknownBenchmark(b.name) });
      }
      if (seen.has(b.name)) {
        errors.push({ path: `models.${i}.benchmarks.${j}.name`, message: `duplicate result for '${b.name}'` });
      }
      seen.add(b.name);
    });
  });
  if (errors.length === 0) errors.push(...mixedEmbeddingErrors(registry));
  return errors;
}

/**
 * A model serves either embedding categories (`embedding` and below) or others, never both: the
 * gateway sends /v1/embeddings only inside that subtree and chat only outside it, so a mixed
 * model would let chat routing pick an embedding model (src/gateway/target.ts).
 */
function mixedEmbeddingErrors(registry: Registry): FieldError[] {
  const taxonomy = new Taxonomy(registry.categories);
  return registry.models.flatMap((m, i) => {
    const categories = Object.keys(m.categories);
    const embedding = categories.filter((c) => taxonomy.path(c).includes(EMBEDDING_CATEGORY));
    if (embedding.length === 0 || embedding.length === categories.length) return [];
    const other = categories.find((c) => !embedding.includes(c))!;
    return [{ path: `models.${i}.categories.${other}`, message: `'${m.id}' serves the embedding category '${embedding[0]}', so it cannot also serve '${other}'` }];
  });
}

function withSuggestion(message: string, suggestion: string | null): string {
  return suggestion === null ? message : `${message} (did you mean '${suggestion}'?)`;
}

/** The cycle through `start` when following parents leads back to it, else null. */
function findCycle(start: string, parents: Map<string, string | null>): string[] | null {
  const walk = [start];
  let current = parents.get(start) ?? null;
  while (current !== null && walk.length <= parents.size) {
    walk.push(current);
    if (current === start) return walk;
    current = parents.get(current) ?? null;
  }
  return null;
}
