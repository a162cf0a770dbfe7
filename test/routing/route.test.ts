import { beforeEach, describe, expect, it } from "vitest";
import type { Decision } from "../../src/routing/schema";
import { DEMO_REGISTRY } from "../../src/registry/store";
import { clearKv, expectProblem, postJson } from "../support/http";
import { env, SELF } from "cloudflare:test";

beforeEach(() => clearKv(env.ROUTER_KV));

describe("POST /v1/route on the demo registry", () => {
  it("falls back from code_rust to code and explains the score", async () => {
    const response = await postJson("/v1/route", { category: "code_rust", request_id: "r-1" });
    expect(response.status).toBe(200);
    const d = (await response.json()) as Decision;
    expect(d).toMatchObject({ category: "code_rust", resolved_category: "code", category_path: ["code_rust", "code"], request_id: "r-1", experiment: null });
    expect(d.decision_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(d.registry_version).toBe(DEMO_REGISTRY.version);
    const model = DEMO_REGISTRY.models.find((m) => m.id === d.model.id)!;
    const score = model.categories["code"]!;
    expect(d.score.base).toBe(score.base_score);
    expect(d.score.confidence).toBe(score.confidence);
    expect(d.score.total).toBeCloseTo(d.score.base + d.score.benchmark * d.score.confidence, 9);
    expect(d.alternatives).toHaveLength(2);
    expect(d.alternatives.every((a) => a.score.total <= d.score.total)).toBe(true);
    expect(d.rejected).toBeUndefined();
  });

  it("constraints filter, explain lists each rejected model with its reasons", async () => {
    const response = await postJson("/v1/route", { category: "code", constraints: { max_memory_mb: 20000, min_context: 32768 }, explain: true, top_k: 1 });
    expect(response.status).toBe(200);
    const d = (await response.json()) as Decision;
    expect(d.model.memory_mb).toBeLessThanOrEqual(20000);
    expect(d.model.context_length).toBeGreaterThanOrEqual(32768);
    expect(d.alternatives).toEqual([]);
    const starcoder = d.rejected!.find((r) => r.model === "starcoder")!;
    expect(starcoder.reasons).toEqual(["memory", "context"]);
    expect(starcoder.detail).toContain("above max_memory_mb 20000");
    expect(starcoder.detail).toContain("context length 8192 below min_context 32768");
    const unknownContext = d.rejected!.find((r) => r.model === "codestral-22b-v0.1")!;
    expect(unknownContext.detail).toContain("context length unknown");
  });

  it("allow_models narrows the choice; deny_models removes one", async () => {
    const allowed = (await (await postJson("/v1/route", { category: "math", constraints: { allow_models: ["phi-4"] } })).json()) as Decision;
    expect(allowed.model.id).toBe("phi-4");
    const first = (await (await postJson("/v1/route", { category: "math" })).json()) as Decision;
    const denied = (await (await postJson("/v1/route", { category: "math", constraints: { deny_models: [first.model.id] } })).json()) as Decision;
    expect(denied.model.id).not.toBe(first.model.id);
    expect(denied.model.id).toBe(first.alternatives[0]!.model.id);
  });

  it("precision constraint serves the model at that precision", async () => {
    const d = (await (await postJson("/v1/route", { category: "general", constraints: { precision: "int4" } })).json()) as Decision;
    const model = DEMO_REGISTRY.models.find((m) => m.id === d.model.id)!;
    expect(d.model).toMatchObject({ precision: "int4", memory_mb: model.memory_mb.int4 });
  });

  it("404 for an unknown category, naming the field", async () => {
    const body = await expectProblem(await postJson("/v1/route", { category: "code_cobol" }), 404);
    expect(body.errors).toEqual([{ path: "category", message: "unknown category 'code_cobol'" }]);
  });

  it("422 when nothing satisfies the constraints, with the reasons", async () => {
    const body = await expectProblem(await postJson("/v1/route", { category: "code_python", constraints: { max_params_b: 0.5 } }), 422);
    expect(body.category_path).toEqual(["code_python", "code"]);
    expect(body.errors.length).toBeGreaterThan(0);
    expect(body.errors.every((e) => e.path === "constraints.max_params_b")).toBe(true);
    const rejected = body.rejected as Array<{ model: string; reasons: string[] }>;
    expect(rejected.length).toBe(DEMO_REGISTRY.models.filter((m) => m.categories["code_python"] || m.categories["code"]).length);
    expect(rejected.every((r) => r.reasons.includes("params"))).toBe(true);
  });

  it("400 for unknown model ids in allow/deny lists", async () => {
    const body = await expectProblem(await postJson("/v1/route", { category: "code", constraints: { allow_models: ["phi-4", "gpt-5"] } }), 400);
    expect(body.errors).toEqual([{ path: "constraints.allow_models.1", message: "unknown model id 'gpt-5'" }]);
  });
});

describe("POST /v1/route rejects malformed input with problem+json", () => {
  it("malformed JSON → 400 naming the body", async () => {
    const body = await expectProblem(await postJson("/v1/route", '{"category":'), 400);
    expect(body.errors).toEqual([{ path: "body", message: "malformed JSON" }]);
  });

  it("wrong types, unknown fields and missing fields are each named", async () => {
    const body = await expectProblem(await postJson("/v1/route", { top_k: "3", colour: "blue", constraints: { max_memory_mb: -1, shiny: true } }), 400);
    const paths = body.errors.map((e) => e.path).sort();
    expect(paths).toEqual(["category", "colour", "constraints.max_memory_mb", "constraints.shiny", "top_k"]);
  });

  it("a JSON array or a number is not a request", async () => {
    await expectProblem(await postJson("/v1/route", "[1,2]"), 400);
    await expectProblem(await postJson("/v1/route", "42"), 400);
  });

  it("top_k out of range", async () => {
    const body = await expectProblem(await postJson("/v1/route", { category: "code", top_k: 11 }), 400);
    expect(body.errors.map((e) => e.path)).toEqual(["top_k"]);
  });

  it("no JSON content type → 415 naming the header", async () => {
    const response = await SELF.fetch("http://router/v1/route", { method: "POST", body: '{"category":"code"}' });
    const body = await expectProblem(response, 415);
    expect(body.errors[0]!.path).toBe("header.content-type");
  });

  it("bodies over 1 MiB → 413", async () => {
    const huge = JSON.stringify({ category: "code", request_id: "x".repeat(1024 * 1024) });
    const body = await expectProblem(await postJson("/v1/route", huge), 413);
    expect(body.errors[0]!.path).toBe("body");
  });

  it("unknown endpoints → 404 problem", async () => {
    const body = await expectProblem(await SELF.fetch("http://router/v1/nothing"), 404);
    expect(body.detail).toContain("/v1/nothing");
  });
});
