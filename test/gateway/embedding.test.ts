/**
 * Embedding models stay apart from chat: the validator refuses a model that serves both kinds of
 * category, the demo registry's embedding models serve only `embedding` and its descendants, and
 * the gateway routes each endpoint only to its kind (decisions with the real demo registry).
 */
import { env, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { DEMO_REGISTRY } from "../../src/registry/store";
import { EMBEDDING_CATEGORY, Taxonomy } from "../../src/registry/taxonomy";
import { validateRegistry } from "../../src/registry/validation";
import { clearFleet } from "../support/telemetry";

beforeEach(() => clearFleet(env.ROUTER_KV));

const post = (path: string, body: unknown) =>
  SELF.fetch(`http://router${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("embedding models", () => {
  it("the validator refuses a model serving an embedding category and another one, naming the field", () => {
    const registry = structuredClone(DEMO_REGISTRY);
    const index = registry.models.findIndex((m) => m.id === "bge-large-en-v1.5");
    registry.models[index]!.categories["general_chat"] = { base_score: 10, confidence: 0.5 };
    const { errors } = validateRegistry(registry);
    expect(errors).toEqual([{ path: `models.${index}.categories.general_chat`, message: expect.stringContaining("serves the embedding category") }]);
  });

  it("the demo registry has sourced embedding models, each serving only embedding categories, scored on MTEB", () => {
    const taxonomy = new Taxonomy(DEMO_REGISTRY.categories);
    const embedding = DEMO_REGISTRY.models.filter((m) => Object.keys(m.categories).some((c) => taxonomy.path(c).includes(EMBEDDING_CATEGORY)));
    expect(embedding.map((m) => m.id).sort()).toEqual(
      ["bge-base-en-v1.5", "bge-large-en-v1.5", "bge-small-en-v1.5", "e5-base-v2", "e5-large-v2", "e5-small-v2", "gte-base", "gte-large", "gte-small"],
    );
    for (const m of embedding) {
      expect(Object.keys(m.categories).every((c) => taxonomy.path(c).includes(EMBEDDING_CATEGORY)), m.id).toBe(true);
      expect(m.benchmarks.find((b) => b.name === "MTEB")?.source).toMatch(/^https:\/\//);
    }
    const chatModels = DEMO_REGISTRY.models.filter((m) => !embedding.includes(m));
    expect(chatModels.every((m) => !Object.keys(m.categories).some((c) => taxonomy.path(c).includes(EMBEDDING_CATEGORY)))).toBe(true);
  });

  it("the gateway refuses an embedding model on chat and a chat model on embeddings (400 naming model), before any routing", async () => {
    for (const [path, body] of [
      ["/v1/chat/completions", { model: "bge-large-en-v1.5", messages: [{ role: "user", content: "hi" }] }],
      ["/v1/completions", { model: "auto:embedding", prompt: "hi" }],
      ["/v1/embeddings", { model: "qwen2.5-7b-instruct", input: "hi" }],
      ["/v1/embeddings", { model: "auto:general_chat", input: "hi" }],
    ] as const) {
      const response = await post(path, body);
      expect(response.status, path).toBe(400);
      const problem = (await response.json()) as { errors: Array<{ path: string }>; error: { param: string } };
      expect(problem.errors[0]!.path).toBe("model");
      expect(problem.error.param).toBe("model");
    }
    // auto on embeddings routes to the embedding category: with an empty fleet, 503 with the decision made there.
    const auto = await post("/v1/embeddings", { model: "auto", input: "hi" });
    expect(auto.status).toBe(503);
    expect(((await auto.json()) as { detail: string }).detail).toMatch(/'embedding' routes to (bge|gte|e5)-/);
  });
});
