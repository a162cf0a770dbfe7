/**
 * The experiment API through the real worker and real Durable Objects: create, list, stop,
 * outcome events (exact under concurrency, idempotent), and every refusal naming its field.
 */
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { Experiment } from "../../src/experiments/schema";
import { ADMIN, clearKv, expectProblem, postJson } from "../support/http";
import { callWorker, createExperiment, getJson, getReport, postEvent, uniqueId } from "./support";

beforeEach(() => clearKv(env.ROUTER_KV));

const twoArms = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  scope: { category: "code" },
  variants: [{ name: "control", model: "qwen2.5-coder-7b-instruct" }, { name: "treatment", model: "deepseek-coder-v2-lite-instruct" }],
  split: [0.5, 0.5],
  min_samples: 10,
  ...extra,
});

describe("create, list, stop", () => {
  it("creates with defaults filled in and lists it; the DO and the KV index agree", async () => {
    const id = uniqueId();
    const { split: _split, ...noSplit } = twoArms(id);
    const created = await createExperiment({ ...noSplit, variants: [...noSplit.variants, { name: "int4", constraints: { precision: "int4" } }] });
    expect(created).toMatchObject({ id, status: "running", origin: "api", stopped_at: null, significance: 0.05, min_samples: 10 });
    expect(created.scope).toEqual({ category: "code", include_descendants: false });
    expect(created.split).toEqual([1 / 3, 1 / 3, 1 / 3]);
    const listed = await getJson<{ experiments: Experiment[] }>("/v1/experiments");
    expect(listed.experiments).toEqual([created]);
    expect((await getReport(id)).experiment).toEqual(created);
  });

  it("generates an id when none is given", async () => {
    const { id: _id, ...body } = twoArms("unused");
    expect((await createExperiment(body)).id).toMatch(/^exp-[0-9a-f-]{36}$/);
  });

  it("409 for an id that exists, naming `id`", async () => {
    const id = uniqueId();
    await createExperiment(twoArms(id));
    const body = await expectProblem(await postJson("/v1/experiments", twoArms(id), ADMIN), 409);
    expect(body.errors[0]!.path).toBe("id");
  });

  it.each([
    ["a split not summing to 1", { split: [0.5, 0.6] }, "split", /sum to 1\.1/],
    ["a split of the wrong length", { split: [1] }, "split", /./],
    ["a negative share", { split: [-0.5, 1.5] }, "split.0", /./],
    ["one variant", { variants: [{ name: "a", model: "phi-4" }], split: [1] }, "variants", /./],
    ["eleven variants", { variants: Array.from({ length: 11 }, (_, i) => ({ name: `v${i}`, model: "phi-4" })), split: undefined }, "variants", /./],
    ["duplicate variant names", { variants: [{ name: "a", model: "phi-4" }, { name: "a", model: "phi-4" }] }, "variants.1.name", /duplicate/],
    ["a variant with both model and constraints", { variants: [{ name: "a", model: "phi-4", constraints: {} }, { name: "b", model: "phi-4" }] }, "variants.0.model", /exactly one/],
    ["an unknown model", { variants: [{ name: "a", model: "phi-4" }, { name: "b", model: "gpt-9" }] }, "variants.1.model", /unknown model id 'gpt-9'/],
    ["an unknown category", { scope: { category: "cooking" } }, "scope.category", /unknown category 'cooking'/],
    ["an id with a colon", { id: "a:b" }, "id", /./],
    ["an unknown field", { colour: "red" }, "colour", /unknown field/],
    ["a significance of 0", { significance: 0 }, "significance", /./],
  ])("400 for %s, naming `%s`", async (_, patch, path, message) => {
    const body = await expectProblem(await postJson("/v1/experiments", { ...twoArms(uniqueId()), ...patch }, ADMIN), 400);
    const error = body.errors.find((e) => e.path === path);
    expect(error, JSON.stringify(body.errors)).toBeDefined();
    expect(error!.message).toMatch(message);
    expect((await getJson<{ experiments: Experiment[] }>("/v1/experiments")).experiments).toEqual([]);
  });

  it("create and stop need the admin token", async () => {
    await expectProblem(await postJson("/v1/experiments", twoArms(uniqueId())), 401);
    const id = uniqueId();
    await createExperiment(twoArms(id));
    await expectProblem(await postJson(`/v1/experiments/${id}/stop`, {}, { authorization: "Bearer nope" }), 401);
    expect((await getReport(id)).experiment.status).toBe("running");
  });

  it("stop: 200 with the stop time, idempotent; the list filters by status; 404 for an unknown id", async () => {
    const id = uniqueId();
    const other = uniqueId();
    await createExperiment(twoArms(id));
    await createExperiment(twoArms(other));
    const response = await postJson(`/v1/experiments/${id}/stop`, {}, ADMIN);
    expect(response.status).toBe(200);
    const stopped = (await response.json()) as Experiment;
    expect(stopped).toMatchObject({ id, status: "stopped", stopped_at: expect.any(String) });
    const again = (await (await postJson(`/v1/experiments/${id}/stop`, {}, ADMIN)).json()) as Experiment;
    expect(again.stopped_at).toBe(stopped.stopped_at);
    expect((await getJson<{ experiments: Experiment[] }>("/v1/experiments?status=stopped")).experiments.map((e) => e.id)).toEqual([id]);
    expect((await getJson<{ experiments: Experiment[] }>("/v1/experiments?status=running")).experiments.map((e) => e.id)).toEqual([other]);
    const missing = await expectProblem(await postJson(`/v1/experiments/${uniqueId("nobody")}/stop`, {}, ADMIN), 404);
    expect(missing.errors[0]!.path).toBe("id");
  });
});

describe("outcome events", () => {
  const event = (event_id: string, variant = "control", extra: Record<string, unknown> = {}) => ({ event_id, variant, latency_ms: 120, error: false, ...extra });

  it("1,000 concurrent posts end with exact counts: none lost, none doubled", { timeout: 120_000 }, async () => {
    const id = uniqueId();
    await createExperiment(twoArms(id));
    const responses = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        callWorker("POST", `/v1/experiments/${id}/events`, event(`e${i}`, i % 4 === 0 ? "treatment" : "control", { latency_ms: i, error: i % 10 === 0, score: i % 2 === 0 ? 1 : undefined })),
      ),
    );
    expect(responses.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    const report = await getReport(id);
    const [control, treatment] = report.variants;
    // Independently: treatment gets i ≡ 0 (mod 4), 250 of them; errors at i ≡ 0 (mod 10).
    const ids = Array.from({ length: 1000 }, (_, i) => i);
    const t = ids.filter((i) => i % 4 === 0);
    const c = ids.filter((i) => i % 4 !== 0);
    expect(treatment!.n).toBe(250);
    expect(control!.n).toBe(750);
    expect(treatment!.errors).toBe(t.filter((i) => i % 10 === 0).length);
    expect(control!.errors).toBe(c.filter((i) => i % 10 === 0).length);
    expect(treatment!.latency_ms.mean).toBeCloseTo(t.reduce((s, i) => s + i, 0) / t.length, 9);
    expect(control!.latency_ms.mean).toBeCloseTo(c.reduce((s, i) => s + i, 0) / c.length, 9);
    expect(treatment!.score.n).toBe(250);
    expect(control!.score.n).toBe(c.filter((i) => i % 2 === 0).length);
  });

  it("a retried event_id is counted once, even when the retries race", async () => {
    const id = uniqueId();
    await createExperiment(twoArms(id));
    const first = await postEvent(id, event("once", "treatment", { error: true }));
    expect(await first.json()).toMatchObject({ counted: true, duplicate: false });
    const retries = await Promise.all(Array.from({ length: 20 }, () => postEvent(id, event("once", "treatment", { error: true }))));
    for (const r of retries) expect(await r.json()).toMatchObject({ counted: false, duplicate: true });
    const raced = await Promise.all(Array.from({ length: 50 }, () => callWorker("POST", `/v1/experiments/${id}/events`, event("raced"))));
    const bodies = (await Promise.all(raced.map((r) => r.json()))) as Array<{ counted: boolean }>;
    expect(bodies.filter((b) => b.counted)).toHaveLength(1);
    const report = await getReport(id);
    expect(report.variants.map((v) => [v.n, v.errors])).toEqual([[1, 0], [1, 1]]);
  });

  it("the DO remembers the event ids it counted, in its own SQLite storage", async () => {
    const id = uniqueId();
    await createExperiment(twoArms(id));
    await Promise.all(Array.from({ length: 30 }, (_, i) => postEvent(id, event(`k${i}`))));
    const stub = env.EXPERIMENTS.getByName(id);
    const remembered = await runInDurableObject(stub, (instance) => instance.rememberedEvents());
    expect(remembered).toBe(30);
  });

  it.each([
    ["an unknown variant", { variant: "nope" }, "variant", /unknown variant 'nope'; one of control, treatment/],
    ["a negative latency", { latency_ms: -1 }, "latency_ms", /./],
    ["a string error flag", { error: "yes" }, "error", /./],
    ["a missing event_id", { event_id: undefined }, "event_id", /./],
    ["a non-numeric score", { score: "good" }, "score", /./],
    ["an unknown field", { model: "x" }, "model", /unknown field/],
    ["a negative ttfb_ms", { ttfb_ms: -1 }, "ttfb_ms", /./],
    ["fractional prompt_tokens", { prompt_tokens: 1.5 }, "prompt_tokens", /./],
    ["a string completion_tokens", { completion_tokens: "7" }, "completion_tokens", /./],
  ])("400 for %s, naming `%s`, and nothing is counted", async (_, patch, path, message) => {
    const id = uniqueId();
    await createExperiment(twoArms(id));
    const body = await expectProblem(await postEvent(id, { ...event("bad"), ...patch }), 400);
    const error = body.errors.find((e) => e.path === path);
    expect(error, JSON.stringify(body.errors)).toBeDefined();
    expect(error!.message).toMatch(message);
    expect((await getReport(id)).variants.map((v) => v.n)).toEqual([0, 0]);
  });

  it("accepts time to first byte and tokens (what the gateway sends for proxied requests) beside the required fields", async () => {
    const id = uniqueId();
    await createExperiment(twoArms(id));
    expect((await postEvent(id, event("with-extras", "control", { ttfb_ms: 35, prompt_tokens: 11, completion_tokens: 7 }))).status).toBe(200);
    expect((await getReport(id)).variants.map((v) => v.n)).toEqual([1, 0]);
  });

  it("404 for an unknown experiment, on events and on the report", async () => {
    const ghost = uniqueId("ghost");
    expect((await expectProblem(await postEvent(ghost, event("x")), 404)).errors[0]!.path).toBe("id");
    expect((await expectProblem(await SELF.fetch(`http://router/v1/experiments/${ghost}`), 404)).errors[0]!.path).toBe("id");
  });

  it("409 once the experiment is stopped; what was counted before stays in the report", async () => {
    const id = uniqueId();
    await createExperiment(twoArms(id));
    expect((await postEvent(id, event("before"))).status).toBe(200);
    expect((await postJson(`/v1/experiments/${id}/stop`, {}, ADMIN)).status).toBe(200);
    const body = await expectProblem(await postEvent(id, event("after")), 409);
    expect(body.detail).toMatch(/stopped/);
    const report = await getReport(id);
    expect(report.experiment.status).toBe("stopped");
    expect(report.variants[0]!.n).toBe(1);
  });
});
