import { env, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import kernelModule from "../../build/kernel.wasm";
import { createApp } from "../../src/app";
import type { Registry } from "../../src/registry/schema";
import { DEMO_REGISTRY } from "../../src/registry/store";
import type { Decision } from "../../src/routing/schema";
import { ADMIN, clearKv, expectProblem, postJson, putJson } from "../support/http";
import { captureConsole } from "../support/console";
import { model, registry } from "../support/builders";

beforeEach(() => clearKv(env.ROUTER_KV));

const getJson = async <T>(path: string): Promise<T> => (await (await SELF.fetch(`http://router${path}`)).json()) as T;

describe("GET /v1/registry and /v1/categories", () => {
  it("serves the demo registry as version 1 until a PUT", async () => {
    const r = await getJson<Registry>("/v1/registry");
    expect(r.version).toBe(1);
    expect(r.models.map((m) => m.id)).toEqual(DEMO_REGISTRY.models.map((m) => m.id));
  });

  it("lists the taxonomy with inherited benchmarks resolved", async () => {
    const body = await getJson<{ version: number; categories: Array<{ id: string; parent: string | null; benchmarks: string[] }> }>("/v1/categories");
    expect(body.categories.length).toBeGreaterThanOrEqual(20);
    const byId = new Map(body.categories.map((c) => [c.id, c]));
    expect(byId.get("code_rust")).toMatchObject({ parent: "code", benchmarks: ["HumanEval", "MBPP"] });
    expect(byId.get("nlp_ner")).toMatchObject({ parent: "reasoning", benchmarks: ["MMLU", "ARC-Challenge", "HellaSwag"] });
    expect(byId.get("data_anomaly")).toMatchObject({ parent: "time_series" });
  });
});

describe("PUT /v1/registry", () => {
  // No `version`: a PUT without one is not an optimistic-concurrency edit.
  const { version: _ignored, ...small } = registry([model("solo", { categories: { code: { base_score: 10, confidence: 0 } } })]);

  it("needs the admin token: 401 without or with a wrong one", async () => {
    const missing = await expectProblem(await putJson("/v1/registry", small), 401);
    expect(missing.errors[0]!.path).toBe("header.authorization");
    await expectProblem(await putJson("/v1/registry", small, { authorization: "Bearer wrong" }), 401);
    expect((await getJson<Registry>("/v1/registry")).version).toBe(1);
  });

  it("403 when the server has no ADMIN_TOKEN configured", async () => {
    const app = createApp({ kernelModule });
    const response = await app.request("/v1/registry", { method: "PUT", headers: { "content-type": "application/json", ...ADMIN }, body: JSON.stringify(small) }, { ...env, ADMIN_TOKEN: undefined });
    await expectProblem(response, 403);
  });

  it("stores a valid document as the next version, and routing uses it at once", async () => {
    const response = await putJson("/v1/registry", small, ADMIN);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ version: 2, models: 1, categories: small.categories.length });
    const stored = await getJson<Registry>("/v1/registry");
    expect(stored.version).toBe(2);
    const decision = (await (await postJson("/v1/route", { category: "code_rust" })).json()) as Decision;
    expect(decision).toMatchObject({ registry_version: 2, model: { id: "solo" }, category_path: ["code_rust", "code"] });
    // A second PUT bumps again.
    expect(await (await putJson("/v1/registry", small, ADMIN)).json()).toMatchObject({ version: 3 });
  });

  it("409 when the edit was based on an older version", async () => {
    expect((await putJson("/v1/registry", small, ADMIN)).status).toBe(200);
    const body = await expectProblem(await putJson("/v1/registry", { ...small, version: 1 }, ADMIN), 409);
    expect(body.errors).toEqual([{ path: "version", message: "expected 2" }]);
    expect((await putJson("/v1/registry", { ...small, version: 2 }, ADMIN)).status).toBe(200);
  });

  it.each([
    ["a cycle", { categories: [{ id: "a", parent: "b", description: "" }, { id: "b", parent: "a", description: "" }] }, "categories.0.parent", /cycle: a -> b -> a/],
    ["an unknown parent", { categories: [...small.categories, { id: "x", parent: "nope", description: "" }] }, "categories.5.parent", /unknown parent category 'nope'/],
    ["a duplicate category id", { categories: [...small.categories, { id: "code", parent: null, description: "" }] }, "categories.5.id", /duplicate category id 'code'/],
    ["a duplicate model id", { models: [...small.models, ...small.models] }, "models.1.id", /duplicate model id 'solo'/],
    ["a model with an unknown category", { models: [model("m", { categories: { cooking: { base_score: 1, confidence: 1 } } })] }, "models.0.categories.cooking", /unknown category 'cooking'/],
    ["a category naming an unknown benchmark", { categories: [{ id: "a", parent: null, description: "", benchmarks: ["Vibes"] }] }, "categories.0.benchmarks.0", /unknown benchmark 'Vibes'/],
    ["a confidence above 1", { models: [model("m", { categories: { code: { base_score: 1, confidence: 2 } } })] }, "models.0.categories.code.confidence", /./],
    ["a score above 100", { models: [model("m", { benchmarks: [{ name: "MBPP", score: 140, setting: "", source: "https://x.org" }] })] }, "models.0.benchmarks.0.score", /./],
    ["a source that is not a URL", { models: [model("m", { benchmarks: [{ name: "MBPP", score: 40, setting: "", source: "my notes" }] })] }, "models.0.benchmarks.0.source", /./],
    ["an unknown field", { colour: "red" }, "colour", /unknown field/],
  ])("400 for %s, naming the field, and nothing changes", async (_, patch, path, message) => {
    const body = await expectProblem(await putJson("/v1/registry", { ...small, ...patch }, ADMIN), 400);
    expect(body.errors.map((e) => e.path)).toContain(path);
    expect(body.errors.find((e) => e.path === path)!.message).toMatch(message);
    expect((await getJson<Registry>("/v1/registry")).version).toBe(1);
  });

  it("malformed JSON and wrong content type are refused before anything is read", async () => {
    await expectProblem(await putJson("/v1/registry", "{", ADMIN), 400);
    const response = await SELF.fetch("http://router/v1/registry", { method: "PUT", headers: ADMIN, body: JSON.stringify(small) });
    await expectProblem(response, 415);
    expect((await getJson<Registry>("/v1/registry")).version).toBe(1);
  });

  it("what is read back from KV is validated: a corrupted stored version is never served", async () => {
    await env.ROUTER_KV.put("registry:current", JSON.stringify({ version: 7, updated_at: "2026-01-01T00:00:00Z" }));
    await env.ROUTER_KV.put("registry:v:7", JSON.stringify({ version: 7, models: "broken" }));
    // The isolate keeps the last good version it had; a fresh isolate answers 503.
    const kept = await captureConsole(() => SELF.fetch("http://router/v1/registry"));
    const response = kept.result;
    expect(response.status).toBe(200);
    expect(((await response.json()) as Registry).version).not.toBe(7);
    expect(kept.logged).toEqual([expect.stringMatching(/^registry: stored registry version 7 fails validation: \d+ issue\(s\); staying on version \d+$/)]);
    const refused = await captureConsole(() => createApp({ kernelModule }).request("/v1/registry", {}, env));
    const fresh = refused.result;
    expect(refused.logged).toEqual(["registry: stored registry version 7 fails validation: 4 issue(s); no version to fall back on"]);
    const body = await expectProblem(fresh, 503);
    expect(fresh.headers.get("retry-after")).toBe("5");
    expect(body.detail).not.toContain("broken");
  });
});

describe("client keys", () => {
  it("when CLIENT_KEYS is set, client calls need one of them (or the admin token)", async () => {
    const app = createApp({ kernelModule });
    const withKeys = { ...env, CLIENT_KEYS: "k1, k2" };
    const call = (auth?: string) =>
      app.request("/v1/route", { method: "POST", headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) }, body: JSON.stringify({ category: "code" }) }, withKeys);
    await expectProblem(await call(), 401);
    await expectProblem(await call("Bearer k3"), 401);
    expect((await call("Bearer k2")).status).toBe(200);
    expect((await call("Bearer test-admin-token")).status).toBe(200);
  });
});
