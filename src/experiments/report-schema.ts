/** The body of GET /v1/experiments/:id: per-variant summaries, tests against control, SRM and the winner. */
import { z } from "@hono/zod-openapi";
import { ExperimentSchema } from "./schema";

const nullableNumber = z.number().nullable();

export const TestResultSchema = z
  .object({
    difference: z.number().openapi({ description: "Variant minus control" }),
    statistic: nullableNumber.openapi({ description: "t or z; null when infinite (no spread, nonzero difference)" }),
    df: nullableNumber,
    p_value: z.number(),
    ci: z.tuple([z.number(), z.number()]).openapi({ description: "Confidence interval of the difference at 1 − significance" }),
  })
  .openapi("TestResult");

export const VariantReportSchema = z
  .object({
    name: z.string(),
    model: z.string().nullable(),
    split: z.number(),
    assignments: z.number().int(),
    fallbacks: z.number().int().openapi({ description: "Assignments served by plain routing because the variant could not be" }),
    fallback_rate: nullableNumber,
    n: z.number().int().openapi({ description: "Outcome events" }),
    errors: z.number().int(),
    error_rate: nullableNumber,
    latency_ms: z.object({ mean: nullableNumber, sd: nullableNumber }),
    score: z.object({ n: z.number().int(), mean: nullableNumber, sd: nullableNumber }),
    adjusted_score: nullableNumber.openapi({ description: "score · (1 − error_rate) / (1 + latency_ms / 1000), from the means" }),
    min_samples_reached: z.boolean(),
  })
  .openapi("VariantReport");

export const ComparisonSchema = z
  .object({
    variant: z.string(),
    control: z.string(),
    score: TestResultSchema.nullable().openapi({ description: "Welch's t-test on the score; null below 2 scored events per side" }),
    error_rate: TestResultSchema.nullable().openapi({ description: "Two-proportion z-test on the error rate" }),
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
    comparisons: z.array(ComparisonSchema),
    srm: SrmSchema,
    significance: z.number(),
    corrected_significance: z.number().openapi({ description: "Bonferroni: significance / (variants − 1)" }),
    winner: z.string().nullable(),
    winner_reason: z.string(),
  })
  .openapi("ExperimentReport");

export type TestResultReport = z.infer<typeof TestResultSchema>;
export type VariantReport = z.infer<typeof VariantReportSchema>;
export type Comparison = z.infer<typeof ComparisonSchema>;
export type SrmReport = z.infer<typeof SrmSchema>;
export type Report = z.infer<typeof ReportSchema>;
