/**
 * Canaries on model updates: a PUT /v1/registry that changes a category's top model starts an
 * experiment between the previous and the new top model, unless disabled, and routing then
 * splits traffic between them.
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { assignVariant } from "../../src/experiments/assignment";
import { planCanaries, topModels } from "../../src/experiments/canary";
import type { Experiment } from "../../src/experiments/schema";
import type { Decision } from "../../src/routing/schema";
import { clearKv, expectProblem } from "../support/http";
import { callWorker, createExperiment, getJson, getReport, putRegistry, tinyRegistry } from "./support";

interface Replaced {
  version: number;
  experiments: Experiment[];
  canary: { enabled: boolean; skipped: Array<{ category: string; previous: string | null; next: string | null; reason: string }>; stopped: string[] };
}

/** The tiny registry with beta promoted above alpha in "code". */
function betaOnTop() {
  const doc = tinyRegistry();
  doc.models = doc.models.map((m) => (m.id === "beta" ? { ...m, categories: { code: { base_score: 40, confidence: 0 } } } : m));
  return doc;
}

async function put(doc: unknown, query = ""): Promise<Replaced> {
  const response = await putRegistry(doc, query);
  expect(response.status).toBe(200);
  return (await response.json()) as Replaced;
}

beforeEach(async () => {
  await clearKv(env.ROUTER_KV);
  await put(tinyRegistry(), "?canary=false");
});

describe("planning", () => {
  it("top models come from ranking with no constraints and an empty fleet, through the fallback walk", () => {
    const tops = topModels({ ...tinyRegistry(), version: 1 });
    expect(Object.fromEntries(tops)).toEqual({ code: "alpha", code_python: "alpha", code_rust: "alpha", math: "gamma" });
  });

  it("plans one canary per category whose top changed, and explains the changes it cannot cover", () => {
    const before = { ...tinyRegistry(), version: 2 };
    expect(planCanaries(before, { ...betaOnTop(), version: 3 }).plans).toEqual([
      { category: "code", previous: "alpha", next: "beta" },
      { category: "code_python", previous: "alpha", next: "beta" },
      { category: "code_rust", previous: "alpha", next: "beta" },
    ]);
    const withoutAlpha = { ...tinyRegistry(), version: 3, models: tinyRegistry().models.filter((m) => m.id !== "alpha") };
    const { plans, skipped } = planCanaries(before, withoutAlpha);
    expect(plans).toEqual([]);
    expect(skipped.map((s) => [s.category, s.reason])).toEqual([
      ["code", "the previous top model was removed from the registry"],
      ["code_python", "the previous top model was removed from the registry"],
      ["code_rust", "the previous top model was removed from the registry"],
    ]);
  });
});

describe("PUT /v1/registry", () => {
  it("starts a 90/10 canary where the top model changed, lists it, and routing splits by the hash", { timeout: 60_000 }, async () => {
    const body = await put(betaOnTop());
    expect(body.canary).toEqual({ enabled: true, skipped: [], stopped: [] });
    expect(body.experiments.map((e) => e.scope.category)).toEqual(["code", "code_python", "code_rust"]);
    for (const e of body.experiments) {
      expect(e).toMatchObject({
        status: "running", origin: "canary", split: [0.9, 0.1], min_samples: 1000, significance: 0.05,
        variants: [{ name: "previous", model: "alpha" }, { name: "next", model: "beta" }],
        scope: { include_descendants: false },
      });
      expect(e.id).toMatch(new RegExp(`^canary-${e.scope.category.replaceAll("_", "-")}-v3-[0-9a-f]{8}$`));
    }
    const listed = await getJson<{ experiments: Experiment[] }>("/v1/experiments?status=running");
    expect(listed.experiments.map((e) => e.id).sort()).toEqual(body.experiments.map((e) => e.id).sort());

    const code = body.experiments[0]!;
    let next = 0;
    for (let i = 0; i < 60; i++) {
      const decision = (await (await callWorker("POST", "/v1/route", { category: "code", unit_id: `user-${i}` })).json()) as Decision;
      const arm = assignVariant(code.id, `user-${i}`, [0.9, 0.1]);
      if (arm === 1) next++;
      expect(decision.experiment).toEqual({ id: code.id, variant: arm === 0 ? "previous" : "next", fallback: false });
      expect(decision.model.id).toBe(arm === 0 ? "alpha" : "beta");
    }
    expect((await getReport(code.id)).variants.map((v) => v.assignments)).toEqual([60 - next, next]);
  });

  it("starts nothing with ?canary=false, and says which changes went uncovered", async () => {
    const body = await put(betaOnTop(), "?canary=false");
    expect(body.experiments).toEqual([]);
    expect(body.canary.enabled).toBe(false);
    expect(body.canary.skipped.map((s) => s.category)).toEqual(["code", "code_python", "code_rust"]);
    expect(body.canary.skipped[0]!.reason).toMatch(/canary=false/);
    expect((await getJson<{ experiments: Experiment[] }>("/v1/experiments")).experiments).toEqual([]);
  });

  it("starts nothing when no top model changed", async () => {
    const body = await put(tinyRegistry());
    expect(body.experiments).toEqual([]);
    expect(body.canary).toEqual({ enabled: true, skipped: [], stopped: [] });
  });

  it("follows config.canary: split, min_samples and significance, or off entirely", async () => {
    const tuned = { ...betaOnTop(), config: { ...betaOnTop().config, canary: { split: [0.8, 0.2], min_samples: 50, significance: 0.01 } } };
    const body = await put(tuned);
    expect(body.experiments).toHaveLength(3);
    expect(body.experiments[0]).toMatchObject({ split: [0.8, 0.2], min_samples: 50, significance: 0.01 });

    await clearKv(env.ROUTER_KV);
    await put(tinyRegistry(), "?canary=false");
    const off = await put({ ...betaOnTop(), config: { ...betaOnTop().config, canary: { enabled: false } } });
    expect(off.experiments).toEqual([]);
    expect(off.canary.skipped[0]!.reason).toMatch(/disabled in config.canary/);
  });

  it("400 for a canary split that does not sum to 1, naming the field; nothing stored", async () => {
    const bad = { ...betaOnTop(), config: { ...betaOnTop().config, canary: { split: [0.5, 0.6] } } };
    const body = await expectProblem(await putRegistry(bad, ""), 400);
    expect(body.errors.map((e) => e.path)).toContain("config.canary.split");
    expect((await getJson<{ version: number }>("/v1/registry")).version).toBe(2);
  });

  it("a newer canary in the same category supersedes the running one", async () => {
    const first = await put(betaOnTop());
    // Now gamma takes code: the canary compares beta (previous top) with gamma.
    const gammaOnTop = betaOnTop();
    gammaOnTop.models = gammaOnTop.models.map((m) => (m.id === "gamma" ? { ...m, categories: { ...m.categories, code: { base_score: 45, confidence: 0 } } } : m));
    const second = await put(gammaOnTop);
    expect(second.canary.stopped.sort()).toEqual(first.experiments.map((e) => e.id).sort());
    expect(second.experiments[0]!.variants).toEqual([{ name: "previous", model: "beta" }, { name: "next", model: "gamma" }]);
    const running = await getJson<{ experiments: Experiment[] }>("/v1/experiments?status=running");
    expect(running.experiments.map((e) => e.id).sort()).toEqual(second.experiments.map((e) => e.id).sort());
    expect((await getReport(first.experiments[0]!.id)).experiment.status).toBe("stopped");
  });

  it("experiments created through the API are not superseded by a canary", async () => {
    const manual = await createExperiment({ id: `manual-${Date.now()}`, scope: { category: "code" }, variants: [{ name: "a", model: "alpha" }, { name: "g", model: "gamma" }] });
    const body = await put(betaOnTop());
    expect(body.canary.stopped).toEqual([]);
    expect((await getReport(manual.id)).experiment.status).toBe("running");
  });
});
