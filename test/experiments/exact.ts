/**
 * A high-precision reference for means and variances, sharing no arithmetic with the code under
 * test: every double is an exact dyadic rational m·2^e, so scaled to a common power of two the
 * sums Σx and Σx² are exact BigInts, and the variance (nΣx² − (Σx)²) / (n(n − 1)) is exact until
 * the one final division, which keeps 40 significant digits.
 */

const SCALE_BITS = 1100n; // ≥ 1074 (the smallest subnormal's exponent), so every double scales to an integer

/** x as an exact integer multiple of 2^−1100. */
function scaled(x: number): bigint {
  if (x === 0) return 0n;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? -1n : 1n;
  const exponent = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  let e: number;
  if (exponent === 0) e = -1074;
  else {
    mantissa |= 1n << 52n;
    e = exponent - 1075;
  }
  return sign * mantissa * (1n << (SCALE_BITS + BigInt(e)));
}

/** numerator / denominator as the nearest double, through 40 exact decimal digits. */
function ratio(numerator: bigint, denominator: bigint): number {
  if (numerator === 0n) return 0;
  const negative = numerator < 0n !== denominator < 0n;
  const [n, d] = [numerator < 0n ? -numerator : numerator, denominator < 0n ? -denominator : denominator];
  // Shift so the quotient has ~40 digits, then let the decimal parser round once.
  const shift = n.toString().length - d.toString().length - 40;
  const q = shift >= 0 ? n / (d * 10n ** BigInt(shift)) : (n * 10n ** BigInt(-shift)) / d;
  return Number(`${negative ? "-" : ""}${q}e${shift}`);
}

/** Exact mean and sample variance of `xs` (rounded once to doubles at the end). */
export function exactMoments(xs: readonly number[]): { mean: number; variance: number } {
  const n = BigInt(xs.length);
  let sum = 0n;
  let squares = 0n;
  for (const x of xs) {
    const s = scaled(x);
    sum += s;
    squares += s * s;
  }
  const unit = 1n << SCALE_BITS;
  return { mean: ratio(sum, n * unit), variance: ratio(n * squares - sum * sum, n * (n - 1n) * unit * unit) };
}
