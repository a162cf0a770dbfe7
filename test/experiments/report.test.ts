/**
 * The report against values computed independently in the test: a small case by hand, and
 * seeded simulations through the real worker and Durable Object — one where the treatment is
 * truly better (the report must name it) and one where the arms are equal (it must not).
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { assignVariant } from "../../src/experiments/assignment";
import { prng } from "../support/synthetic";
import { clearKv } from "../support/http";
import { meanOf, sdOf, simpson, twoSidedTByIntegration, welch } from "./independent";
import { callWorker, createExperiment, getReport, postEvent, uniqueId } from "./support";

beforeEach(() => clearKv(env.ROUTER_KV));

const arms = (id: string, minSamples: number, split = [0.5, 0.5]) => ({
  id,
  scope: { category: "code" },
  variants: [{ name: "control", model: "qwen2.5-coder-7b-instruct" }, { name: "treatment", model: "deepseek-coder-v2-lite-instruct" }],
  split,
  min_samples: minSamples,
});

/** Two-sided normal p by integrating the density (independent of the module's erfc). */
const normalTwoSided = (z: number) => 1 - 2 * simpson((x) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI), 0, Math.abs(z), 100_000);

describe("a small case computed by hand", () => {
  it("means, standard deviations, adjusted scores, tests, Bayes and SRM", async () => {
    const id = uniqueId();
    await createExperiment(arms(id, 2));
    const outcomes: Array<[string, number, boolean, number]> = [
      ["control", 100, false, 0.5], ["control", 200, false, 0.7], ["control", 300, true, 0.9],
      ["treatment", 150, false, 0.8], ["treatment", 250, false, 1.0],
    ];
    for (const [i, [variant, latency_ms, error, score]] of outcomes.entries()) {
      expect((await postEvent(id, { event_id: `h${i}`, variant, latency_ms, error, score })).status).toBe(200);
    }
    const report = await getReport(id);
    const [control, treatment] = report.variants;
    // Control: latency 100/200/300 → mean 200, sd 100; score 0.5/0.7/0.9 → mean 0.7, sd 0.2; 1 error in 3.
    expect(control).toMatchObject({ n: 3, errors: 1, assignments: 0, min_samples_reached: true });
    expect(control!.error_rate).toBeCloseTo(1 / 3, 12);
    expect(control!.latency_ms.mean).toBeCloseTo(200, 9);
    expect(control!.latency_ms.sd).toBeCloseTo(100, 9);
    expect(control!.score.mean).toBeCloseTo(0.7, 12);
    expect(control!.score.sd).toBeCloseTo(0.2, 9);
    // Adjusted: 0.7 · (1 − 1/3) / (1 + 200/1000) = 0.38889; treatment 0.9 · 1 / 1.2 = 0.75.
    expect(control!.adjusted_score).toBeCloseTo(0.7 * (2 / 3) / 1.2, 12);
    expect(treatment!.adjusted_score).toBeCloseTo(0.75, 12);
    expect(treatment!.latency_ms.sd).toBeCloseTo(Math.sqrt(5000), 9);

    const comparison = report.comparisons[0]!;
    expect(comparison).toMatchObject({ variant: "treatment", control: "control", verdict: "inconclusive" });
    expect(comparison.score!.statistic).toBeCloseTo(0.2 / Math.sqrt(0.01 + 0.04 / 3), 9);
    expect(comparison.score!.df).toBeCloseTo((0.01 + 0.04 / 3) ** 2 / (0.01 ** 2 + (0.04 / 3) ** 2 / 2), 9);
    expect(comparison.score!.p_value).toBeCloseTo(twoSidedTByIntegration(comparison.score!.statistic!, comparison.score!.df!), 7);
    // Errors 0/2 vs 1/3: pooled z = −(1/3)/√(0.2·0.8·(1/2 + 1/3)).
    expect(comparison.error_rate!.statistic).toBeCloseTo(-(1 / 3) / Math.sqrt(0.16 * (5 / 6)), 9);
    expect(comparison.error_rate!.p_value).toBeCloseTo(0.3613104285261789, 9);
    // P(Beta(1, 3) < Beta(2, 3)) = 1 − 12·B(2, 6) = 5/7.
    expect(comparison.p_fewer_errors).toBeCloseTo(5 / 7, 10);
    expect(comparison.adjusted_score_difference).toBeCloseTo(0.75 - 0.7 * (2 / 3) / 1.2, 12);
    // Nothing was routed, so the ratio check falls back to events: [3, 2] vs 2.5 each → χ² = 0.2.
    expect(report.srm).toMatchObject({ basis: "events", observed: [3, 2], expected: [2.5, 2.5], df: 1, mismatch: false });
    expect(report.srm.chi_square).toBeCloseTo(0.2, 12);
    expect(report.winner).toBeNull();
    expect(report.winner_reason).toMatch(/no variant differs significantly/);
  });

  it("no winner before the minimum samples, and the reason says who is short", async () => {
    const id = uniqueId();
    await createExperiment(arms(id, 3));
    await postEvent(id, { event_id: "only", variant: "control", latency_ms: 10, error: false });
    const report = await getReport(id);
    expect(report.winner).toBeNull();
    expect(report.winner_reason).toMatch(/not enough samples: control has 1, treatment has 0 of the 3/);
    expect(report.variants[1]).toMatchObject({ n: 0, error_rate: null, adjusted_score: null, latency_ms: { mean: null, sd: null } });
  });
});

interface Arm {
  errorRate: number;
  scoreMean: number;
  latencyMs: number;
}

/** Seeded outcomes for `units` users assigned by the same hash the router uses; posted 200 at a time. */
async function simulate(id: string, split: number[], arms: Record<string, Arm>, units: number, seed: number) {
  const rand = prng(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const names = Object.keys(arms);
  const samples: Record<string, { latency: number[]; score: number[]; errors: number }> = {};
  for (const n of names) samples[n] = { latency: [], score: [], errors: 0 };
  const events = Array.from({ length: units }, (_, i) => {
    const variant = names[assignVariant(id, `user-${i}`, split)]!;
    const arm = arms[variant]!;
    const error = rand() < arm.errorRate;
    const latency_ms = Math.round(arm.latencyMs * (0.5 + rand()));
    const score = Math.round((arm.scoreMean + 0.15 * gaussian()) * 1e6) / 1e6;
    samples[variant]!.latency.push(latency_ms);
    samples[variant]!.score.push(score);
    if (error) samples[variant]!.errors++;
    return { event_id: `user-${i}`, variant, latency_ms, error, score };
  });
  for (let i = 0; i < events.length; i += 200) {
    const batch = await Promise.all(events.slice(i, i + 200).map((e) => callWorker("POST", `/v1/experiments/${id}/events`, e)));
    expect(batch.every((r) => r.status === 200)).toBe(true);
  }
  return samples;
}

describe("seeded simulations", () => {
  it("a truly better treatment is named the winner, and every number matches an independent computation", { timeout: 120_000 }, async () => {
    // A fixed id: assignment hashes it, so a time-based id would change the data (and the p-values) per run.
    const id = "sim-better-seeded";
    await createExperiment(arms(id, 400));
    const samples = await simulate(id, [0.5, 0.5], {
      control: { errorRate: 0.1, scoreMean: 0.62, latencyMs: 400 },
      treatment: { errorRate: 0.05, scoreMean: 0.7, latencyMs: 400 },
    }, 1200, 20261126);
    const report = await getReport(id);
    for (const v of report.variants) {
      const s = samples[v.name]!;
      expect(v.n).toBe(s.score.length);
      expect(v.errors).toBe(s.errors);
      expect(v.latency_ms.mean).toBeCloseTo(meanOf(s.latency), 8);
      expect(v.latency_ms.sd).toBeCloseTo(sdOf(s.latency), 6);
      expect(v.score.mean).toBeCloseTo(meanOf(s.score), 10);
      expect(v.score.sd).toBeCloseTo(sdOf(s.score), 8);
      expect(v.adjusted_score).toBeCloseTo(meanOf(s.score) * (1 - s.errors / s.score.length) / (1 + meanOf(s.latency) / 1000), 9);
    }
    const { control, treatment } = samples as Record<string, { latency: number[]; score: number[]; errors: number }>;
    const w = welch(treatment!.score, control!.score);
    const comparison = report.comparisons[0]!;
    expect(comparison.score!.statistic).toBeCloseTo(w.t, 6);
    expect(comparison.score!.df).toBeCloseTo(w.df, 4);
    expect(comparison.score!.p_value).toBeLessThan(1e-6);
    const [n1, n0, x1, x0] = [treatment!.score.length, control!.score.length, treatment!.errors, control!.errors];
    const pooled = (x1 + x0) / (n1 + n0);
    const z = (x1 / n1 - x0 / n0) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0));
    expect(comparison.error_rate!.statistic).toBeCloseTo(z, 9);
    expect(comparison.error_rate!.p_value).toBeCloseTo(normalTwoSided(z), 7);
    expect(comparison.p_fewer_errors).toBeGreaterThan(0.99);
    expect(comparison.verdict).toBe("better");
    expect(report.srm.mismatch).toBe(false);
    expect(report.winner).toBe("treatment");
    expect(report.winner_reason).toMatch(/^treatment beats the control variant 'control' significantly at 0.05/);
  });

  it("equal arms: no winner, and no significant difference claimed", { timeout: 120_000 }, async () => {
    const id = "sim-equal-seeded";
    await createExperiment(arms(id, 400));
    const same = { errorRate: 0.08, scoreMean: 0.65, latencyMs: 400 };
    const samples = await simulate(id, [0.5, 0.5], { control: same, treatment: same }, 1200, 7);
    const report = await getReport(id);
    const comparison = report.comparisons[0]!;
    const w = welch(samples.treatment!.score, samples.control!.score);
    expect(comparison.score!.statistic).toBeCloseTo(w.t, 6);
    expect(comparison.score!.p_value).toBeCloseTo(twoSidedTByIntegration(w.t, w.df), 7);
    expect(comparison.score!.p_value).toBeGreaterThan(0.05);
    expect(comparison.error_rate!.p_value).toBeGreaterThan(0.05);
    expect(comparison.verdict).toBe("inconclusive");
    expect(report.variants.every((v) => v.min_samples_reached)).toBe(true);
    expect(report.winner).toBeNull();
    expect(report.winner_reason).toMatch(/no variant differs significantly/);
  });

  it("a sample ratio mismatch withholds the winner even when the difference is large", { timeout: 120_000 }, async () => {
    const id = "sim-srm-seeded";
    await createExperiment(arms(id, 100));
    // 700 control and 300 treatment events against a 50/50 split: χ² = 160, p ≈ 1e−36.
    const events = Array.from({ length: 1000 }, (_, i) => {
      const treatment = i % 10 < 3;
      return { event_id: `s${i}`, variant: treatment ? "treatment" : "control", latency_ms: 100, error: !treatment && i % 5 === 0, score: treatment ? 0.9 + (i % 7) / 100 : 0.5 + (i % 7) / 100 };
    });
    for (let i = 0; i < events.length; i += 200) await Promise.all(events.slice(i, i + 200).map((e) => callWorker("POST", `/v1/experiments/${id}/events`, e)));
    const report = await getReport(id);
    expect(report.srm).toMatchObject({ basis: "events", observed: [700, 300], mismatch: true });
    expect(report.srm.chi_square).toBeCloseTo((200 ** 2 / 500) * 2, 9);
    expect(report.comparisons[0]!.verdict).toBe("better");
    expect(report.winner).toBeNull();
    expect(report.winner_reason).toMatch(/sample ratio mismatch/);
  });
});
