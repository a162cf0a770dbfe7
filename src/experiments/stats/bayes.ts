/**
 * Bayesian comparison of two rates with Beta posteriors, computed exactly (no sampling, no
 * Math.random): P(X1 > X2) for X1 ~ Beta(a1, b1), X2 ~ Beta(a2, b2) with integer parameters, by
 * Evan Miller's closed form. report.ts calls it with Beta(1, 1) priors on error rates.
 */
import { logBeta, normalCdf } from "./distributions";

/** Above this many terms the posteriors are so narrow that the normal approximation is exact to ~1e-6. */
const MAX_TERMS = 1_000_000;

/**
 * Σ_{i=0}^{a1−1} B(a2+i, b1+b2) / ((b1+i)·B(1+i, b1)·B(a2, b2)) = P(X1 > X2); needs integer a1.
 * The first term is B(a2, b1+b2)/B(a2, b2) and each next one is the last times
 * (a2+i)(b1+i) / ((a2+b1+b2+i)(1+i)) (from B(x+1, y) = B(x, y)·x/(x+y)), so the sum costs one
 * logarithm per term; it runs in log space because the first terms may underflow while later
 * ones do not. Every term is at most 1 and their sum is a probability, so nothing overflows.
 */
function greaterBySum(a1: number, b1: number, a2: number, b2: number): number {
  let logTerm = logBeta(a2, b1 + b2) - logBeta(a2, b2);
  let total = 0;
  for (let i = 0; i < a1; i++) {
    total += Math.exp(logTerm);
    logTerm += Math.log(((a2 + i) * (b1 + i)) / ((a2 + b1 + b2 + i) * (1 + i)));
  }
  return total;
}

/**
 * P(X1 > X2) with X1 ~ Beta(a1, b1), X2 ~ Beta(a2, b2), all parameters positive integers.
 * The sum runs over whichever parameter is smallest, using P(X1 > X2) = 1 − P(X2 > X1) and
 * P(X1 > X2) = P(1 − X2 > 1 − X1) where 1 − X ~ Beta(b, a).
 */
export function probabilityGreater(a1: number, b1: number, a2: number, b2: number): number {
  const smallest = Math.min(a1, a2, b1, b2);
  if (smallest > MAX_TERMS) return normalApproximation(a1, b1, a2, b2);
  let p: number;
  if (smallest === a1) p = greaterBySum(a1, b1, a2, b2);
  else if (smallest === a2) p = 1 - greaterBySum(a2, b2, a1, b1);
  else if (smallest === b2) p = greaterBySum(b2, a2, b1, a1);
  else p = 1 - greaterBySum(b1, a1, b2, a2);
  return Math.min(1, Math.max(0, p));
}

function normalApproximation(a1: number, b1: number, a2: number, b2: number): number {
  const moments = (a: number, b: number): [number, number] => [a / (a + b), (a * b) / ((a + b) ** 2 * (a + b + 1))];
  const [m1, v1] = moments(a1, b1);
  const [m2, v2] = moments(a2, b2);
  return normalCdf((m1 - m2) / Math.sqrt(v1 + v2));
}

/**
 * Probability that the treatment's error rate is below the control's, with Beta(1, 1) priors:
 * posteriors Beta(1 + errors, 1 + n − errors).
 */
export function probabilityFewerErrors(treatment: { errors: number; n: number }, control: { errors: number; n: number }): number {
  return probabilityGreater(1 + control.errors, 1 + control.n - control.errors, 1 + treatment.errors, 1 + treatment.n - treatment.errors);
}
