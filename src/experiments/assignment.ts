/**
 * Sticky variant assignment: a pure function of (experiment id, unit id), so the router needs no
 * storage round-trip and anyone can reproduce an assignment offline. Called by
 * route-with-experiment.ts on every covered decision and by tests and docs/experiments.md.
 *
 * The hash is FNV-1a 32-bit in GrowthBook's two-round form, over UTF-8 bytes:
 *   h1 = fnv1a32(utf8(experiment_id + ":" + unit_id))
 *   h2 = fnv1a32(utf8(decimal string of h1))
 *   x  = h2 / 2^32                      (in [0, 1))
 * and the variant is the first i with x < split[0] + … + split[i] (the last bound is taken as 1;
 * variants with share 0 never receive a unit, see variantIndex).
 * GrowthBook reduces h2 modulo 10,000; we keep all 32 bits so splits are not quantised to 1e-4.
 */

import { fnv1a32 } from "../hash";

export { fnv1a32 };

/** The two-round hash of a unit within an experiment, as an unsigned 32-bit integer. */
export function unitHash(experimentId: string, unitId: string): number {
  return fnv1a32(String(fnv1a32(`${experimentId}:${unitId}`)));
}

/** The unit's position in [0, 1): the hash divided by 2^32. */
export function unitPosition(experimentId: string, unitId: string): number {
  return unitHash(experimentId, unitId) / 4294967296;
}

/**
 * Index of the variant whose interval holds `position`: variant i takes
 * [c(i−1), c(i)) · total, where c is the running sum of the shares and total = c(k − 1) (a split
 * may miss 1 by its tolerance; dividing by its own sum honours the shares as given). A share of 0
 * (a paused variant) has an empty interval, and the last variant with a positive share takes
 * everything from its start to 1, so no position — not 0, not 1 − 2⁻³², not one past the sum of
 * the shares — ever lands in a paused variant. With shares summing to exactly 1 this is the
 * plain "first i with position < c(i)".
 */
export function variantIndex(split: readonly number[], position: number): number {
  let last = -1;
  let total = 0;
  for (let i = 0; i < split.length; i++) {
    total += split[i]!;
    if (split[i]! > 0) last = i;
  }
  let cumulative = 0;
  for (let i = 0; i < last; i++) {
    cumulative += split[i]!;
    if (split[i]! > 0 && position * total < cumulative) return i;
  }
  // Validation guarantees a positive share; were there none, the first variant is the safe answer.
  return Math.max(0, last);
}

/** The variant index for a unit: stable while the experiment id and split are unchanged. */
export function assignVariant(experimentId: string, unitId: string, split: readonly number[]): number {
  return variantIndex(split, unitPosition(experimentId, unitId));
}
