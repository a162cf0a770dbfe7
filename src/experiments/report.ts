/**
 * The experiment report: a Durable Object snapshot (counts and moments) turned into per-variant
 * means, standard deviations and always-valid intervals, tests of every active variant against
 * control (the first variant), the sample-ratio-mismatch check and the winner. Pure; GET
 * /v1/experiments/:id and the dashboard call it, and test/experiments/monitoring.test.ts runs it
 * at every look of seeded experiments to measure its error rates under continuous monitoring.
 */
import { latencyMoments, scoreMoments, zeroCounters } from "./counters";
import type { Comparison, FixedHorizonReport, Report, SrmReport, TestResultReport, VariantReport } from "./report-schema";
import type { ExperimentSnapshot, VariantCounters } from "./schema";
import { probabilityFewerErrors } from "./stats/bayes";
import { meanOf, sdOf, type Moments } from "./stats/moments";
import { meanDifferenceSequence, meanSequence, proportionDifferenceSequence, proportionSequence, type Interval, type SequentialDifference } from "./stats/sequences";
import { chiSquareGoodnessOfFit, twoProportionZTest, welchTTest, type TestResult } from "./stats/tests";
import { decideWinner, verdict } from "./winner";

/** The sample-ratio check flags a mismatch below this p-value. */
export const SRM_ALPHA = 0.001;

/** Metrics each comparison tests (score and error rate): the Bonferroni correction divides by this too. */
export const TESTED_METRICS = 2;

/** The plan's adjusted score from the means: score · (1 − error_rate) / (1 + latency_ms / 1000). */
export function adjustedScore(meanScore: number | null, errorRate: number | null, meanLatencyMs: number | null): number | null {
  if (meanScore === null || errorRate === null || meanLatencyMs === null) return null;
  return (meanScore * (1 - errorRate)) / (1 + meanLatencyMs / 1000);
}

/**
 * The level each comparison is tested at: significance / (2 metrics × active comparisons), so
 * that the chance of any false verdict, over every metric, comparison and look, stays below
 * `significance` (Bonferroni over always-valid tests).
 */
export function correctedSignificance(alpha: number, comparisons: number): number {
  return alpha / (TESTED_METRICS * Math.max(1, comparisons));
}

/**
 * An interval as [lo, hi], cut to the range the quantity cannot leave (a mean latency is ≥ 0):
 * the true value lies in that range, so the cut keeps the coverage.
 */
const pair = (iv: Interval | null, range: readonly [number, number] = [-Infinity, Infinity]): [number, number] | null =>
  iv ? [Math.max(range[0], iv.lo), Math.min(range[1], iv.hi)] : null;
const NONNEGATIVE = [0, Infinity] as const;

function summarize(c: VariantCounters, model: string | null, split: number, minSamples: number, alpha: number): VariantReport {
  const errorRate = c.events > 0 ? c.errors / c.events : null;
  const latency = latencyMoments(c);
  const score = scoreMoments(c);
  const mean = (m: Moments, range?: readonly [number, number]) => ({ mean: meanOf(m), sd: sdOf(m), ci: pair(meanSequence(m, alpha, minSamples), range) });
  return {
    name: c.name,
    model,
    split,
    paused: split === 0,
    assignments: c.assignments,
    fallbacks: c.fallbacks,
    fallback_rate: c.assignments > 0 ? c.fallbacks / c.assignments : null,
    n: c.events,
    errors: c.errors,
    error_rate: errorRate,
    error_rate_ci: pair(proportionSequence(c.errors, c.events, alpha)),
    latency_ms: mean(latency, NONNEGATIVE),
    score: { n: c.scored, ...mean(score) },
    adjusted_score: adjustedScore(meanOf(score), errorRate, meanOf(latency)),
    min_samples_reached: c.events >= minSamples,
  };
}

function testResult(sequential: SequentialDifference | null, fixed: TestResult | null): TestResultReport | null {
  if (!sequential || !fixed) return null;
  const fixedHorizon: FixedHorizonReport = { statistic: fixed.statistic, df: fixed.df, p_value: fixed.p_value, ci: fixed.ci };
  return { difference: sequential.difference, p_value: sequential.p_value, ci: sequential.ci, fixed_horizon: fixedHorizon };
}

/** A difference of two rates lies in [−1, 1]; its sequence is cut there (coverage is kept). */
function rateDifference(result: TestResultReport | null): TestResultReport | null {
  if (!result) return null;
  return { ...result, ci: pair({ estimate: result.difference, lo: result.ci[0], hi: result.ci[1] }, [-1, 1])! };
}

function compare(c: VariantCounters, control: VariantCounters, reports: { variant: VariantReport; control: VariantReport }, alpha: number, planned: number): Comparison {
  const score = testResult(
    meanDifferenceSequence(scoreMoments(c), scoreMoments(control), alpha, planned),
    welchTTest(scoreMoments(c), scoreMoments(control), alpha),
  );
  const errorRate = rateDifference(testResult(
    proportionDifferenceSequence(c.errors, c.events, control.errors, control.events, alpha, planned),
    twoProportionZTest(c.errors, c.events, control.errors, control.events, alpha),
  ));
  const [mine, theirs] = [reports.variant.adjusted_score, reports.control.adjusted_score];
  const adjusted = mine !== null && theirs !== null ? mine - theirs : null;
  return {
    variant: c.name,
    control: control.name,
    score,
    error_rate: errorRate,
    p_fewer_errors: probabilityFewerErrors({ errors: c.errors, n: c.events }, { errors: control.errors, n: control.events }),
    adjusted_score_difference: adjusted,
    verdict: verdict(score, errorRate, adjusted, alpha),
  };
}

function sampleRatio(counters: readonly VariantCounters[], split: readonly number[]): SrmReport {
  const assigned = counters.map((c) => c.assignments);
  const events = counters.map((c) => c.events);
  const [basis, observed] = assigned.some((n) => n > 0)
    ? (["assignments", assigned] as const)
    : events.some((n) => n > 0) ? (["events", events] as const) : (["none", assigned] as const);
  const total = observed.reduce((s, n) => s + n, 0);
  const shares = split.reduce((s, x) => s + x, 0);
  const test = chiSquareGoodnessOfFit(observed, split);
  return {
    basis,
    observed: [...observed],
    expected: split.map((s) => (s / shares) * total),
    chi_square: test?.statistic ?? null,
    df: test?.df ?? split.length - 1,
    p_value: test?.p_value ?? null,
    mismatch: test !== null && test.p_value < SRM_ALPHA,
  };
}

export function buildReport(snapshot: ExperimentSnapshot): Report {
  const { experiment } = snapshot;
  const alpha = experiment.significance;
  const byName = new Map(snapshot.counters.map((c) => [c.name, c]));
  const counters = experiment.variants.map((v) => byName.get(v.name) ?? zeroCounters(v.name));
  const variants = counters.map((c, i) => summarize(c, experiment.variants[i]!.model ?? null, experiment.split[i]!, experiment.min_samples, alpha));
  // Paused variants (share 0) are not compared; a paused control leaves nothing to compare with.
  const compared = variants[0]!.paused ? [] : counters.map((c, i) => ({ c, i })).filter(({ i }) => i > 0 && !variants[i]!.paused);
  const corrected = correctedSignificance(alpha, compared.length);
  const comparisons = compared.map(({ c, i }) =>
    compare(c, counters[0]!, { variant: variants[i]!, control: variants[0]! }, corrected, experiment.min_samples),
  );
  const srm = sampleRatio(counters, experiment.split);
  const { winner, reason } = decideWinner({ variants, comparisons, srm, minSamples: experiment.min_samples, alpha: corrected });
  return { experiment, variants, comparisons, srm, significance: alpha, corrected_significance: corrected, winner, winner_reason: reason };
}
