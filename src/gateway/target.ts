/**
 * What an OpenAI `model` name asks the router for, per endpoint, and the list GET /v1/models
 * answers with. Pure over the loaded registry; called by proxy.ts and routes.ts.
 *
 *   "auto"             → the endpoint's default category (GATEWAY_DEFAULT_CATEGORY, general_chat;
 *                        GATEWAY_EMBEDDING_CATEGORY, embedding, on /v1/embeddings)
 *   "auto:<category>"  → that category
 *   "<model id>"       → the first category the model serves that suits the endpoint, with allow_models: [id]
 *
 * Embedding categories are `embedding` and its descendants. /v1/embeddings routes only inside
 * that subtree and the generating endpoints only outside it, and the registry validator keeps
 * every model on one side (src/registry/validation.ts), so chat never reaches an embedding model
 * and embeddings never reach a chat model.
 */
import { badRequest, notFound, Problem } from "../errors";
import type { LoadedRegistry } from "../routing/context";
import type { Taxonomy } from "../registry/taxonomy";
import { EMBEDDING_CATEGORY } from "../registry/taxonomy";
import type { ModelList } from "./schema";

export const DEFAULT_CATEGORY = "general_chat";
export { EMBEDDING_CATEGORY };
const AUTO = "auto";
const AUTO_PREFIX = "auto:";

/** What an endpoint generates: text (chat, completions) or vectors (embeddings). */
export type EndpointKind = "generate" | "embed";

export interface Target {
  category: string;
  /** Set for a model id: route only to this model. */
  model: string | null;
}

/** Whether a category is `embedding` or below it. */
export function isEmbeddingCategory(taxonomy: Taxonomy, category: string): boolean {
  return taxonomy.path(category).includes(EMBEDDING_CATEGORY);
}

function suits(taxonomy: Taxonomy, category: string, kind: EndpointKind): boolean {
  return isEmbeddingCategory(taxonomy, category) === (kind === "embed");
}

const ENDPOINT: Record<EndpointKind, string> = { generate: "POST /v1/chat/completions or /v1/completions", embed: "POST /v1/embeddings" };
const OTHER: Record<EndpointKind, EndpointKind> = { generate: "embed", embed: "generate" };

/**
 * The category (and model) a `model` name routes to on an endpoint of `kind`. 404 naming `model`
 * when it names nothing; 400 naming `model` when it names the other kind (an embedding model on
 * chat, a chat category on embeddings); 503 when the default category setting is wrong.
 */
export function resolveTarget(loaded: LoadedRegistry, name: string, kind: EndpointKind, defaultCategory: string): Target {
  const { taxonomy } = loaded;
  if (name === AUTO) {
    if (!taxonomy.has(defaultCategory) || !suits(taxonomy, defaultCategory, kind)) {
      const setting = kind === "embed" ? "GATEWAY_EMBEDDING_CATEGORY" : "GATEWAY_DEFAULT_CATEGORY";
      // The server's setting, not the client's input: a 503 that names the setting.
      throw new Problem({
        status: 503,
        title: "Gateway misconfigured",
        detail: taxonomy.has(defaultCategory)
          ? `'auto' routes to ${setting} '${defaultCategory}', which is ${kind === "embed" ? "not an" : "an"} embedding category; name a category with 'auto:<category>'`
          : `'auto' routes to ${setting} '${defaultCategory}', which registry version ${loaded.registry.version} does not have; name a category with 'auto:<category>'`,
        errors: [{ path: "model", message: `the default category '${defaultCategory}' cannot serve this endpoint` }],
        headers: { "retry-after": "60" },
      });
    }
    return { category: defaultCategory, model: null };
  }
  if (name.startsWith(AUTO_PREFIX)) {
    const category = name.slice(AUTO_PREFIX.length);
    if (!taxonomy.has(category)) {
      throw notFound(`unknown category '${category}'; GET /v1/models lists the models and categories`, [
        { path: "model", message: `unknown category '${category}' in '${name}'` },
      ]);
    }
    if (!suits(taxonomy, category, kind)) {
      throw badRequest(`'${category}' is ${kind === "embed" ? "not an" : "an"} embedding category; send it to ${ENDPOINT[OTHER[kind]]}`, [
        { path: "model", message: `category '${category}' cannot serve this endpoint` },
      ]);
    }
    return { category, model: null };
  }
  const model = loaded.models.get(name);
  const known = model ? Object.keys(model.categories).filter((id) => taxonomy.has(id)) : [];
  if (!model || known.length === 0) {
    throw notFound(`unknown model '${name}'; use 'auto', 'auto:<category>' or a model id from GET /v1/models`, [
      { path: "model", message: model ? `model '${name}' serves no category of the registry` : `unknown model '${name}'` },
    ]);
  }
  const category = known.find((id) => suits(taxonomy, id, kind));
  if (category === undefined) {
    throw badRequest(`'${name}' is ${kind === "embed" ? "not an" : "an"} embedding model; send it to ${ENDPOINT[OTHER[kind]]}`, [
      { path: "model", message: `model '${name}' cannot serve this endpoint` },
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
