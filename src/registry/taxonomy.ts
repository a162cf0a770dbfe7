/**
 * The category hierarchy of a registry, indexed for lookups. Built once per registry version
 * (by the routing context and the validator) from categories that validation.ts already
 * checked: unique ids, known parents, no cycles.
 */
import type { Category } from "./schema";

/**
 * The root of the embedding categories: models below it produce vectors, not text. The gateway
 * routes /v1/embeddings only there and chat/completions never there; validation.ts keeps each model
 * on one side.
 */
export const EMBEDDING_CATEGORY = "embedding";

export class Taxonomy {
  readonly categories: readonly Category[];
  private readonly byId = new Map<string, Category>();
  private readonly indexById = new Map<string, number>();
  private readonly children = new Map<string, string[]>();

  constructor(categories: readonly Category[]) {
    this.categories = categories;
    categories.forEach((c, i) => {
      this.byId.set(c.id, c);
      this.indexById.set(c.id, i);
    });
    for (const c of categories) {
      if (c.parent === null) continue;
      const list = this.children.get(c.parent) ?? [];
      list.push(c.id);
      this.children.set(c.parent, list);
    }
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): Category | undefined {
    return this.byId.get(id);
  }

  /** Position of the category in the registry's list; the kernel's category index. */
  indexOf(id: string): number {
    return this.indexById.get(id) ?? -1;
  }

  /** The fallback walk: the category, then each ancestor up to its root. */
  path(id: string): string[] {
    const out: string[] = [];
    let current = this.byId.get(id);
    while (current && out.length <= this.categories.length) {
      out.push(current.id);
      current = current.parent === null ? undefined : this.byId.get(current.parent);
    }
    return out;
  }

  /** Relevant benchmarks: the category's own list, else the nearest ancestor's, else none. */
  relevantBenchmarks(id: string): string[] {
    for (const step of this.path(id)) {
      const own = this.byId.get(step)?.benchmarks;
      if (own !== undefined) return own;
    }
    return [];
  }

  /** The category and all categories below it, depth first. */
  descendants(id: string): string[] {
    const out: string[] = [];
    const visit = (current: string): void => {
      out.push(current);
      for (const child of this.children.get(current) ?? []) visit(child);
    };
    if (this.byId.has(id)) visit(id);
    return out;
  }

  childrenOf(id: string): string[] {
    return this.children.get(id) ?? [];
  }

  roots(): Category[] {
    return this.categories.filter((c) => c.parent === null);
  }
}
