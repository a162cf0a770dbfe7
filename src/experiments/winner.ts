/**
 * When an experiment has a winner, as a rule written once (docs/experiments.md states the same).
 * Paused variants (split 0) take no part: they need no samples and are not compared.
 *  1. every active variant has at least min_samples outcome events;
 *  2. the sample-ratio check passes (p ≥ 0.001);
 *  3. a variant is "better" than control when the always-valid test of the score or of the error
 *     rate favours it at the corrected level (significance / (2 metrics × comparisons)), neither
 *     goes against it, and its adjusted score is not lower; "worse" mirrors that; otherwise
 *     "inconclusive". Always-valid p-values keep this valid however often the report is read;
 *  4. the winner is the better variant with the highest adjusted score (lowest error rate when
 *     nothing was scored); control wins when every other variant is worse; otherwise no winner.
 * `alpha` in WinnerInput is the corrected level, used in the reason text. Pure; report.ts calls it.
 */
import type { Comparison, SrmReport, TestResultReport, VariantReport } from "./report-schema";

export type Verdict = Comparison["verdict"];

/** The verdict of one comparison from its two always-valid tests (significant means p < alpha). */
export function verdict(score: TestResultReport | null, errors: TestResultReport | null, adjustedDifference: number | null, alpha: number): Verdict {
  const significant = (t: TestResultReport | null): boolean => t !== null && t.p_value < alpha;
  const favours = (significant(score) && score!.difference > 0) || (significant(errors) && errors!.difference < 0);
  const against = (significant(score) && score!.difference < 0) || (significant(errors) && errors!.difference > 0);
  if (favours && !against && !(adjustedDifference !== null && adjustedDifference < 0)) return "better";
  if (against && !favours && !(adjustedDifference !== null && adjustedDifference > 0)) return "worse";
  return "inconclusive";
}

export interface WinnerInput {
  variants: readonly VariantReport[];
  comparisons: readonly Comparison[];
  srm: SrmReport;
  minSamples: number;
  alpha: number;
}

export function decideWinner(input: WinnerInput): { winner: string | null; reason: string } {
  const control = input.variants[0]!;
  if (control.paused) return { winner: null, reason: `the control variant '${control.name}' is paused (split 0): there is nothing to compare with` };
  if (input.comparisons.length === 0) return { winner: null, reason: `every variant but the control '${control.name}' is paused (split 0): there is nothing to compare` };
  const short = input.variants.filter((v) => !v.paused && !v.min_samples_reached);
  if (short.length > 0) {
    const list = short.map((v) => `${v.name} has ${v.n}`).join(", ");
    return { winner: null, reason: `not enough samples: ${list} of the ${input.minSamples} outcome events required per variant` };
  }
  if (input.srm.mismatch) {
    return { winner: null, reason: `sample ratio mismatch: ${input.srm.basis} ${JSON.stringify(input.srm.observed)} do not fit the split (p = ${input.srm.p_value}); fix the traffic split before trusting any difference` };
  }
  const better = input.comparisons.filter((c) => c.verdict === "better").map((c) => input.variants.find((v) => v.name === c.variant)!);
  if (better.length > 0) {
    const rank = (v: VariantReport): number => v.adjusted_score ?? -(v.error_rate ?? 1);
    const best = better.reduce((a, b) => (rank(b) > rank(a) ? b : a));
    return { winner: best.name, reason: `${best.name} beats the control variant '${input.variants[0]!.name}' significantly at ${input.alpha} and has the highest adjusted score among those that do` };
  }
  if (input.comparisons.every((c) => c.verdict === "worse")) {
    return { winner: input.variants[0]!.name, reason: `every variant is significantly worse than the control variant '${input.variants[0]!.name}' at ${input.alpha}` };
  }
  return { winner: null, reason: `no variant differs significantly from the control at ${input.alpha}` };
}
