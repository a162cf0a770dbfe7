/**
 * The two-sided normal-mixture boundary: the always-valid test and confidence sequence the winner
 * rests on. Pure; sequences.ts applies it to means, proportions and their differences.
 *
 * For an estimate θ̂ of θ with variance V (V shrinking as data arrive), mixing the Gaussian
 * likelihood ratio exp(λ(θ̂ − θ)/V − λ²/(2V)) over λ ~ N(0, τ²) gives
 *
 *   Λ = √(V/(V + τ²)) · exp( τ²·(θ̂ − θ)² / (2V·(V + τ²)) ),
 *
 * a nonnegative martingale with Λ₀ = 1 under the true θ. By Ville's inequality
 * P(Λ ever reaches 1/α) ≤ α, so the set {θ : Λ < 1/α} is a confidence sequence — it covers θ at
 * every look at once — with half-width
 *
 *   √( V·(r + 1)/r · (ln(r + 1) + 2·ln(1/α)) ),   r = τ²/V,
 *
 * and p = min(1, 1/Λ(θ = 0)) is an always-valid p-value. Sources: Robbins (1970), "Statistical
 * methods related to the law of the iterated logarithm"; Howard, Ramdas, McAuliffe & Sekhon
 * (2021), "Time-uniform, nonparametric, nonasymptotic confidence sequences", Ann. Statist. 49(2)
 * (the normal-mixture boundary and its tuning); with a plug-in variance it is the asymptotic
 * confidence sequence of Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas (2024), "Time-uniform
 * central limit theory and asymptotic confidence sequences", Ann. Statist. 52(6), the method
 * behind GrowthBook's and Eppo's sequential testing, and the mSPRT of Johari, Koomen, Pekelis &
 * Walsh (2022), "Always valid inference", Oper. Res. 70(3), used by Optimizely.
 */

/**
 * The r = τ²/V that makes the boundary narrowest at a chosen look: the minimiser of
 * (r + 1)/r·(ln(r + 1) + 2 ln(1/α)) is r ≈ −2 ln α + ln(1 − 2 ln α) (Waudby-Smith et al. 2024's
 * choice of ρ²·t for a planned sample size t; within 0.01 % of the true minimum width for α in
 * [0.001, 0.05], which test/experiments/sequences.test.ts checks).
 */
export function tuningRatio(alpha: number): number {
  const l = -2 * Math.log(alpha);
  return l + Math.log(1 + l);
}

/** Half-width of the confidence sequence at level 1 − α for variance V and mixture variance τ² (both > 0). */
export function mixtureHalfWidth(variance: number, tau2: number, alpha: number): number {
  const r = tau2 / variance;
  return Math.sqrt(variance * ((r + 1) / r) * (Math.log1p(r) + 2 * Math.log(1 / alpha)));
}

/** ln Λ for a departure `distance` = θ̂ − θ, variance V and mixture variance τ² (both > 0). */
export function logMixtureRatio(distance: number, variance: number, tau2: number): number {
  const r = tau2 / variance;
  return -0.5 * Math.log1p(r) + (r / (1 + r)) * ((distance * distance) / (2 * variance));
}

/** Always-valid p-value of θ = θ̂ − distance: min(1, 1/Λ). */
export function mixturePValue(distance: number, variance: number, tau2: number): number {
  return Math.min(1, Math.exp(-logMixtureRatio(distance, variance, tau2)));
}
