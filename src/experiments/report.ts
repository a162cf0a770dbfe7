/**
 * The experiment report: a Durable Object snapshot (sums and sums of squares) turned into
 * per-variant means and standard deviations, tests of every variant against control (the first
 * variant), the sample-ratio-mismatch check and the winner. Pure; GET /v1/experiments/:id calls it.
 */
import type { ExperimentSnapshot, VariantCounters } from "./schema";
import type { Comparison, Report, SrmReport, VariantReport } from "./report-schema";
import { probabilityFewerErrors } from "./stats/bayes";
import { chiSquareGoodnessOfFit, mean, twoProportionZTest, variance, welchTTest, type Moments } from "./stats/tests";
import { decideWinner, verdict } from "./winner";

/** The sample-ratio check flags a mismatch below this p-value. */
export const SRM_ALPHA = 0.001;

const sd = (m: Moments): number | null => {
  const v = variance(m);
  return v === null ? null : Math.sqrt(v);
};
const latency = (c: VariantCounters): Moments => ({ n: c.events, sum: c.latency_sum, sumSquares: c.latency_sum_squares });
const score = (c: VariantCounters): Moments => ({ n: c.scored, sum: c.score_sum, sumSquares: c.score_sum_squares });

const zero = (name: string): VariantCounters => ({
  name, assignments: 0, fallbacks: 0, events: 0, errors: 0, latency_sum: 0, latency_sum_squares: 0, scored: 0, score_sum: 0, score_sum_squares: 0,
});

/** The plan's adjusted score from the means: score · (1 − error_rate) / (1 + latency_ms / 1000). */
export function adjustedScore(meanScore: number | null, errorRate: number | null, meanLatencyMs: number | null): number | null {
  if (meanScore === null || errorRate === null || meanLatencyMs === null) return null;
  return (meanScore * (1 - errorRate)) / (1 + meanLatencyMs / 1000);
}

function summarize(c: VariantCounters, model: string | null, split: number, minSamples: number): VariantReport {
  const errorRate = c.events > 0 ? c.errors / c.events : null;
  return {
    name: c.name,
    model,
    split,
    assignments: c.assignments,
    fallbacks: c.fallbacks,
    fallback_rate: c.assignments > 0 ? c.fallbacks / c.assignments : null,
    n: c.events,
    errors: c.errors,
    error_rate: errorRate,
    latency_ms: { mean: mean(latency(c)), sd: sd(latency(c)) },
    score: { n: c.scored, mean: mean(score(c)), sd: sd(score(c)) },
    adjusted_score: adjustedScore(mean(score(c)), errorRate, mean(latency(c))),
    min_samples_reached: c.events >= minSamples,
  };
}

function sampleRatio(counters: readonly VariantCounters[], split: readonly number[]): SrmReport {
  const assigned = counters.map((c) => c.assignments);
  const events = counters.map((c) => c.events);
  const [basis, observed] = assigned.some((n) => n > 0)
    ? (["assignments", assigned] as const)
    : events.some((n) => n > 0) ? (["events", events] as const) : (["none", assigned] as const);
  const total = observed.reduce((s, n) => s + n, 0);
  const test = chiSquareGoodnessOfFit(observed, split);
  return {
    basis,
    observed: [...observed],
    expected: split.map((s) => s * total),
    chi_square: test?.statistic ?? null,
    df: test?.df ?? split.length - 1,
    p_value: test?.p_value ?? null,
    mismatch: test !== null && test.p_value < SRM_ALPHA,
  };
}

export function buildReport(snapshot: ExperimentSnapshot): Report {
  const { experiment } = snapshot;
  const alpha = experiment.significance;
  const corrected = alpha / (experiment.variants.length - 1);
  const byName = new Map(snapshot.counters.map((c) => [c.name, c]));
  const counters = experiment.variants.map((v) => byName.get(v.name) ?? zero(v.name));
  const variants = counters.map((c, i) => summarize(c, experiment.variants[i]!.model ?? null, experiment.split[i]!, experiment.min_samples));
  const control = counters[0]!;
  const comparisons: Comparison[] = counters.slice(1).map((c, j) => {
    const report = variants[j + 1]!;
    const scoreTest = welchTTest(score(c), score(control), alpha);
    const errorTest = twoProportionZTest(c.errors, c.events, control.errors, control.events, alpha);
    const adjusted = report.adjusted_score !== null && variants[0]!.adjusted_score !== null ? report.adjusted_score - variants[0]!.adjusted_score : null;
    return {
      variant: c.name,
      control: control.name,
      score: scoreTest,
      error_rate: errorTest,
      p_fewer_errors: probabilityFewerErrors({ errors: c.errors, n: c.events }, { errors: control.errors, n: control.events }),
      adjusted_score_difference: adjusted,
      verdict: verdict(scoreTest, errorTest, adjusted, corrected),
    };
  });
  const srm = sampleRatio(counters, experiment.split);
  const { winner, reason } = decideWinner({ variants, comparisons, srm, minSamples: experiment.min_samples, alpha: corrected });
  return { experiment, variants, comparisons, srm, significance: alpha, corrected_significance: corrected, winner, winner_reason: reason };
}
