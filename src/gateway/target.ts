/**
 * What an OpenAI `model` name asks the router for, and the list GET /v1/models answers with.
 * Pure over the loaded registry; called by routes.ts.
 *
 *   "auto"             → the default category (GATEWAY_DEFAULT_CATEGORY, general_chat)
 *   "auto:<category>"  → that category
 *   "<model id>"       → the first category the model serves, with allow_models: [id]
 */
import { notFound, Problem } from "../errors";
import type { LoadedRegistry } from "../routing/context";
import type { ModelList } from "./schema";

export const DEFAULT_CATEGORY = "general_chat";
const AUTO = "auto";
const AUTO_PREFIX = "auto:";

export interface Target {
  category: string;
  /** Set for a model id: route only to this model. */
  model: string | null;
}

/** The category (and model) a `model` name routes to; 404 naming `model` when it names nothing. */
export function resolveTarget(loaded: LoadedRegistry, name: string, defaultCategory: string): Target {
  if (name === AUTO) {
    if (!loaded.taxonomy.has(defaultCategory)) {
      // The server's setting, not the client's input: a 503 that names the setting.
      throw new Problem({
        status: 503,
        title: "Gateway misconfigured",
        detail: `'auto' routes to GATEWAY_DEFAULT_CATEGORY '${defaultCategory}', which registry version ${loaded.registry.version} does not have; name a category with 'auto:<category>'`,
        errors: [{ path: "model", message: `the default category '${defaultCategory}' is not in the registry` }],
        headers: { "retry-after": "60" },
      });
    }
    return { category: defaultCategory, model: null };
  }
  if (name.startsWith(AUTO_PREFIX)) {
    const category = name.slice(AUTO_PREFIX.length);
    if (!loaded.taxonomy.has(category)) {
      throw notFound(`unknown category '${category}'; GET /v1/models lists the models and categories`, [
        { path: "model", message: `unknown category '${category}' in '${name}'` },
      ]);
    }
    return { category, model: null };
  }
  const model = loaded.models.get(name);
  const category = model ? Object.keys(model.categories).find((id) => loaded.taxonomy.has(id)) : undefined;
  if (!model || category === undefined) {
    throw notFound(`unknown model '${name}'; use 'auto', 'auto:<category>' or a model id from GET /v1/models`, [
      { path: "model", message: model ? `model '${name}' serves no category of the registry` : `unknown model '${name}'` },
    ]);
  }
  return { category, model: model.id };
}

/** "auto", then "auto:<category>" per category in registry order, then every model id. */
export function modelList(loaded: LoadedRegistry): ModelList {
  const updated = loaded.registry.updated_at ? Date.parse(loaded.registry.updated_at) : NaN;
  const created = Number.isFinite(updated) ? Math.floor(updated / 1000) : 0;
  const entry = (id: string, owned_by: string) => ({ id, object: "model" as const, created, owned_by });
  return {
    object: "list",
    data: [
      entry(AUTO, "router"),
      ...loaded.registry.categories.map((c) => entry(`${AUTO_PREFIX}${c.id}`, "router")),
      ...loaded.registry.models.map((m) => entry(m.id, m.hf_repo.split("/")[0]!)),
    ],
  };
}
