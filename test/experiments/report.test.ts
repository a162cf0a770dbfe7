/**
 * The report against values computed independently in the test: a small case by hand (the
 * always-valid intervals from their formulas written out here), the cases of issue 13 through
 * the real worker and Durable Object (scores near 1e9, paused arms), and seeded simulations — one
 * where the treatment is truly better (the report must name it) and one where the arms are equal
 * (it must not).
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { assignVariant } from "../../src/experiments/assignment";
import { prng } from "../support/synthetic";
import { clearKv } from "../support/http";
import { exactMoments } from "./exact";
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

/**
 * The normal-mixture confidence sequence written out from docs/experiments.md (not imported):
 * r* = −2 ln a + ln(1 − 2 ln a), τ² = r*·spread²/planned, r = τ²/V,
 * half-width = √(V·(r + 1)/r·(ln(1 + r) + 2 ln(1/a))), p = min(1, √(1 + r)·exp(−r/(1 + r)·d²/(2V))).
 */
function mixture(d: number, variance: number, spread2: number, planned: number, a: number) {
  const tuned = -2 * Math.log(a) + Math.log(1 - 2 * Math.log(a));
  const r = (tuned * spread2) / planned / variance;
  const half = Math.sqrt(variance * ((r + 1) / r) * (Math.log(1 + r) + 2 * Math.log(1 / a)));
  return { half, p: Math.min(1, Math.sqrt(1 + r) * Math.exp((-r / (1 + r)) * ((d * d) / (2 * variance)))) };
}

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

    // Per-variant always-valid intervals at 1 − 0.05, tuned at min_samples = 2, never narrower than
    // the one-look t interval: with 3 and 2 samples the t interval is the wider. Closed-form t
    // quantiles: df 2: (2p − 1)/√(2p(1 − p)); df 1: tan(π(p − 1/2)).
    const t2 = 0.95 / Math.sqrt(2 * 0.975 * 0.025);
    const latencyHalf = Math.max(mixture(0, 10_000 / 3, 10_000, 2, 0.05).half, t2 * Math.sqrt(10_000 / 3));
    expect(latencyHalf).toBeCloseTo(t2 * Math.sqrt(10_000 / 3), 9);
    expect(control!.latency_ms.ci![1]).toBeCloseTo(200 + latencyHalf, 9);
    expect(control!.latency_ms.ci![0]).toBe(0); // 200 − 248 is negative; a mean latency is not
    const scoreHalf = Math.max(mixture(0, 0.02 / 2, 0.02, 2, 0.05).half, Math.tan(0.475 * Math.PI) * Math.sqrt(0.02 / 2));
    expect(treatment!.score.ci![0]).toBeCloseTo(0.9 - scoreHalf, 9);
    // Error rates: beta-binomial sequences inside [0, 1]; 0 errors of 2 starts at 0.
    expect(treatment!.error_rate_ci![0]).toBe(0);
    expect(control!.error_rate_ci![0]).toBeGreaterThan(0);
    expect(control!.error_rate_ci![1]).toBeLessThan(1);

    const comparison = report.comparisons[0]!;
    expect(report.corrected_significance).toBe(0.025); // 0.05 / (2 metrics × 1 comparison)
    expect(comparison).toMatchObject({ variant: "treatment", control: "control", verdict: "inconclusive" });
    // Welch, fixed horizon, for reference, with its interval at the same corrected level.
    const fixed = comparison.score!.fixed_horizon;
    expect(fixed.statistic).toBeCloseTo(0.2 / Math.sqrt(0.01 + 0.04 / 3), 9);
    expect(fixed.df).toBeCloseTo((0.01 + 0.04 / 3) ** 2 / (0.01 ** 2 + (0.04 / 3) ** 2 / 2), 9);
    expect(fixed.p_value).toBeCloseTo(twoSidedTByIntegration(fixed.statistic!, fixed.df!), 7);
    // Score, always-valid: d = 0.2, V = 0.02/2 + 0.04/3, spread² = 0.02 + 0.04, at 0.025 — and at
    // 2 and 3 samples no narrower, and its p no smaller, than Welch's.
    const score = mixture(0.2, 0.01 + 0.04 / 3, 0.06, 2, 0.025);
    expect(comparison.score!.difference).toBeCloseTo(0.2, 12);
    expect(comparison.score!.p_value).toBeCloseTo(Math.max(score.p, fixed.p_value), 12);
    expect(comparison.score!.ci[1]).toBeCloseTo(0.2 + Math.max(score.half, fixed.ci[1] - 0.2), 12);
    // Errors 0/2 vs 1/3, always-valid with rates (x + 1)/(n + 2) in the variance: 1/4 and 2/5.
    const errors = mixture(-1 / 3, (0.25 * 0.75) / 2 + (0.4 * 0.6) / 3, 0.25 * 0.75 + 0.4 * 0.6, 2, 0.025);
    expect(comparison.error_rate!.p_value).toBeCloseTo(errors.p, 12);
    // ±half reaches past ±1, where no difference of rates can be: cut there.
    expect(comparison.error_rate!.ci[0]).toBe(-1);
    expect(-1 / 3 + errors.half).toBeGreaterThan(1);
    expect(comparison.error_rate!.ci[1]).toBe(1);
    // Fixed horizon: pooled z = −(1/3)/√(0.2·0.8·(1/2 + 1/3)).
    expect(comparison.error_rate!.fixed_horizon.statistic).toBeCloseTo(-(1 / 3) / Math.sqrt(0.16 * (5 / 6)), 9);
    expect(comparison.error_rate!.fixed_horizon.p_value).toBeCloseTo(0.3613104285261789, 9);
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

describe("issue 13's cases through the worker and the Durable Object", () => {
  it("scores near 999,999,999 and latencies near 86,400,000 ms keep their spread (sums of squares said 0 and 14.68)", async () => {
    const id = uniqueId();
    await createExperiment(arms(id, 20));
    const rand = prng(999_999_999);
    const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const sent: Record<string, { score: number[]; latency: number[] }> = { control: { score: [], latency: [] }, treatment: { score: [], latency: [] } };
    const events = Array.from({ length: 40 }, (_, i) => {
      const variant = i % 2 ? "treatment" : "control";
      const score = 999_999_999 + 0.05 * normal();
      const latency_ms = Math.round(86_399_000 + 300 * normal());
      sent[variant]!.score.push(score);
      sent[variant]!.latency.push(latency_ms);
      return { event_id: `big-${i}`, variant, latency_ms, error: false, score };
    });
    for (const e of events) expect((await postEvent(id, e)).status).toBe(200);
    const report = await getReport(id);
    for (const v of report.variants) {
      const score = exactMoments(sent[v.name]!.score);
      const latency = exactMoments(sent[v.name]!.latency);
      expect(Math.abs(v.score.sd! / Math.sqrt(score.variance) - 1)).toBeLessThan(1e-12);
      expect(Math.abs(v.latency_ms.sd! / Math.sqrt(latency.variance) - 1)).toBeLessThan(1e-12);
      expect(v.score.mean).toBeCloseTo(score.mean, 6);
    }
    // Equal arms: the tests see two sds of ~0.05, not 0 against 14.68, and find nothing.
    expect(report.comparisons[0]!.score!.fixed_horizon.p_value).toBeGreaterThan(0.01);
    expect(report.comparisons[0]!.score!.p_value).toBe(1);
  });

  it("a paused arm (split 0) gets no minimum and no comparison, and a winner can still be named", async () => {
    const id = uniqueId();
    const created = await createExperiment({
      ...arms(id, 30, [0.4999995, 0.5, 0]),
      variants: [...arms(id, 30).variants, { name: "paused", model: "qwen2.5-coder-32b-instruct" }],
    });
    expect(created.split).toEqual([0.4999995, 0.5, 0]);
    // Treatment is much better: scores 0.9 vs 0.5 with a small spread.
    const events = Array.from({ length: 60 }, (_, i) => {
      const treatment = i % 2 === 1;
      return { event_id: `p${i}`, variant: treatment ? "treatment" : "control", latency_ms: 100 + (i % 7), error: false, score: (treatment ? 0.9 : 0.5) + (i % 5) / 100 };
    });
    for (let i = 0; i < events.length; i += 20) await Promise.all(events.slice(i, i + 20).map((e) => callWorker("POST", `/v1/experiments/${id}/events`, e)));
    const report = await getReport(id);
    expect(report.variants.map((v) => [v.name, v.paused, v.n])).toEqual([["control", false, 30], ["treatment", false, 30], ["paused", true, 0]]);
    expect(report.comparisons.map((c) => c.variant)).toEqual(["treatment"]);
    expect(report.corrected_significance).toBe(0.025);
    expect(report.srm).toMatchObject({ basis: "events", mismatch: false, df: 1 });
    expect(report.winner).toBe("treatment");
  });

  it("a paused control leaves nothing to compare with: no comparisons, no winner, and the reason says so", async () => {
    const id = uniqueId();
    await createExperiment(arms(id, 1, [0, 1]));
    await postEvent(id, { event_id: "t", variant: "treatment", latency_ms: 5, error: false, score: 1 });
    const report = await getReport(id);
    expect(report.comparisons).toEqual([]);
    expect(report.winner).toBeNull();
    expect(report.winner_reason).toBe("the control variant 'control' is paused (split 0): there is nothing to compare with");
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
    expect(comparison.score!.fixed_horizon.statistic).toBeCloseTo(w.t, 6);
    expect(comparison.score!.fixed_horizon.df).toBeCloseTo(w.df, 4);
    const scoreVariance = sdOf(treatment!.score) ** 2 / treatment!.score.length + sdOf(control!.score) ** 2 / control!.score.length;
    const always = mixture(meanOf(treatment!.score) - meanOf(control!.score), scoreVariance, sdOf(treatment!.score) ** 2 + sdOf(control!.score) ** 2, 400, 0.025);
    expect(comparison.score!.p_value / always.p).toBeCloseTo(1, 6);
    expect(comparison.score!.p_value).toBeLessThan(1e-6);
    const [n1, n0, x1, x0] = [treatment!.score.length, control!.score.length, treatment!.errors, control!.errors];
    const pooled = (x1 + x0) / (n1 + n0);
    const z = (x1 / n1 - x0 / n0) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0));
    expect(comparison.error_rate!.fixed_horizon.statistic).toBeCloseTo(z, 9);
    expect(comparison.error_rate!.fixed_horizon.p_value).toBeCloseTo(normalTwoSided(z), 7);
    expect(comparison.p_fewer_errors).toBeGreaterThan(0.99);
    expect(comparison.verdict).toBe("better");
    expect(report.srm.mismatch).toBe(false);
    expect(report.winner).toBe("treatment");
    expect(report.winner_reason).toMatch(/^treatment beats the control variant 'control' significantly at 0.025/);
  });

  it("equal arms: no winner, and no significant difference claimed", { timeout: 120_000 }, async () => {
    const id = "sim-equal-seeded";
    await createExperiment(arms(id, 400));
    const same = { errorRate: 0.08, scoreMean: 0.65, latencyMs: 400 };
    const samples = await simulate(id, [0.5, 0.5], { control: same, treatment: same }, 1200, 7);
    const report = await getReport(id);
    const comparison = report.comparisons[0]!;
    const w = welch(samples.treatment!.score, samples.control!.score);
    expect(comparison.score!.fixed_horizon.statistic).toBeCloseTo(w.t, 6);
    expect(comparison.score!.fixed_horizon.p_value).toBeCloseTo(twoSidedTByIntegration(w.t, w.df), 7);
    expect(comparison.score!.p_value).toBeGreaterThan(0.025);
    expect(comparison.error_rate!.p_value).toBeGreaterThan(0.025);
    // Both always-valid intervals hold the true difference, 0.
    expect(comparison.score!.ci[0]).toBeLessThan(0);
    expect(comparison.score!.ci[1]).toBeGreaterThan(0);
    expect(comparison.error_rate!.ci[0]).toBeLessThan(0);
    expect(comparison.error_rate!.ci[1]).toBeGreaterThan(0);
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
