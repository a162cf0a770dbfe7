/**
 * The body of GET /v1/experiments/:id: per-variant summaries with always-valid intervals, tests
 * of each active variant against control (always-valid, with the fixed-horizon test beside it
 * for reference), the sample-ratio check and the winner. docs/experiments.md has the formulas.
 */
import { z } from "@hono/zod-openapi";
import { ExperimentSchema } from "./schema";

const nullableNumber = z.number().nullable();
const IntervalSchema = z.tuple([z.number(), z.number()]);

export const FixedHorizonSchema = z
  .object({
    statistic: nullableNumber.openapi({ description: "t or z; null when infinite (no spread, nonzero difference)" }),
    df: nullableNumber,
    p_value: z.number(),
    ci: IntervalSchema.openapi({ description: "Confidence interval at 1 − corrected_significance" }),
  })
  .openapi("FixedHorizonTest", { description: "Welch's t or the two-proportion z test: valid at one look planned in advance only; for reference, never used for the winner" });

export const TestResultSchema = z
  .object({
    difference: z.number().openapi({ description: "Variant minus control" }),
    p_value: z.number().openapi({ description: "Always-valid p-value (normal mixture): valid however often it is read" }),
    ci: IntervalSchema.openapi({ description: "Always-valid confidence sequence of the difference at 1 − corrected_significance" }),
    fixed_horizon: FixedHorizonSchema,
  })
  .openapi("TestResult");

const MeanSchema = z.object({
  mean: nullableNumber,
  sd: nullableNumber,
  ci: IntervalSchema.nullable().openapi({ description: "Always-valid confidence sequence of the mean at 1 − significance; null below 2 samples" }),
});

export const VariantReportSchema = z
  .object({
    name: z.string(),
    model: z.string().nullable(),
    split: z.number(),
    paused: z.boolean().openapi({ description: "Share 0: no traffic, no minimum sample, not compared" }),
    assignments: z.number().int(),
    fallbacks: z.number().int().openapi({ description: "Assignments served by plain routing because the variant could not be" }),
    fallback_rate: nullableNumber,
    n: z.number().int().openapi({ description: "Outcome events" }),
    errors: z.number().int(),
    error_rate: nullableNumber,
    error_rate_ci: IntervalSchema.nullable().openapi({ description: "Always-valid confidence sequence (beta-binomial mixture) at 1 − significance, inside [0, 1]" }),
    latency_ms: MeanSchema,
    score: MeanSchema.extend({ n: z.number().int() }),
    adjusted_score: nullableNumber.openapi({ description: "score · (1 − error_rate) / (1 + latency_ms / 1000), from the means" }),
    min_samples_reached: z.boolean(),
  })
  .openapi("VariantReport");

export const ComparisonSchema = z
  .object({
    variant: z.string(),
    control: z.string(),
    score: TestResultSchema.nullable().openapi({ description: "Difference in mean score; null below 2 scored events per side" }),
    error_rate: TestResultSchema.nullable().openapi({ description: "Difference in error rate; null without events on a side" }),
    p_fewer_errors: nullableNumber.openapi({ description: "Posterior P(variant error rate < control's), Beta(1, 1) priors" }),
    adjusted_score_difference: nullableNumber,
    verdict: z.enum(["better", "worse", "inconclusive"]),
  })
  .openapi("Comparison");

export const SrmSchema = z
  .object({
    basis: z.enum(["assignments", "events", "none"]).openapi({ description: "Assignment counts; outcome events only when nothing was assigned through routing" }),
    observed: z.array(z.number().int()),
    expected: z.array(z.number()),
    chi_square: nullableNumber,
    df: z.number().int(),
    p_value: nullableNumber,
    mismatch: z.boolean().openapi({ description: "p < 0.001" }),
  })
  .openapi("SampleRatioCheck");

export const ReportSchema = z
  .object({
    experiment: ExperimentSchema,
    variants: z.array(VariantReportSchema),
    comparisons: z.array(ComparisonSchema).openapi({ description: "Each active (unpaused) variant against the control" }),
    srm: SrmSchema,
    significance: z.number(),
    corrected_significance: z.number().openapi({ description: "Bonferroni: significance / (2 metrics × comparisons)" }),
    winner: z.string().nullable(),
    winner_reason: z.string(),
  })
  .openapi("ExperimentReport");

export type FixedHorizonReport = z.infer<typeof FixedHorizonSchema>;
export type TestResultReport = z.infer<typeof TestResultSchema>;
export type VariantReport = z.infer<typeof VariantReportSchema>;
export type Comparison = z.infer<typeof ComparisonSchema>;
export type SrmReport = z.infer<typeof SrmSchema>;
export type Report = z.infer<typeof ReportSchema>;
