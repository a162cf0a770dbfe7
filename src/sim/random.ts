/**
 * The simulator's seeded random numbers. The CLI and the tests build one Random from --seed and
 * hand it to the pure core, which never calls Math.random(). `fork(label)` gives an independent
 * stream per purpose (fleet layout, request trace, random baseline, …), so adding a draw to one
 * stream never shifts the numbers another stream produces.
 *
 * Generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state), seeded
 * through splitmix32; plenty for a simulation, never used for anything secret.
 */

import { fmix32, fnv1a32 } from "../hash";

/** splitmix32: the golden-ratio step, then murmur3's finalizer; spreads a 32-bit seed over the state words. */
function mix32(x: number): number {
  return fmix32((x + 0x9e3779b9) | 0);
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Same seed, same numbers, on every machine and Node version. */
  constructor(readonly seed: number) {
    this.a = mix32(seed);
    this.b = mix32(this.a ^ 0x6a09e667);
    this.c = mix32(this.b ^ 0xbb67ae85);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An independent stream for one purpose, derived from this stream's seed and the label. */
  fork(label: string): Random {
    return new Random(mix32(this.seed ^ fnv1a32(label)));
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Exponential with the given mean (inter-arrival gaps of a Poisson process). */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** Log-normal with the given median and log-space sigma (token counts have a long tail). */
  logNormal(median: number, sigma: number): number {
    // Box-Muller; 1 - next() keeps the logarithm finite.
    const u = 1 - this.next();
    const v = this.next();
    return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  }

  /** Index drawn with probability proportional to weights[i] (cumulative weights, ascending). */
  weighted(cumulative: readonly number[]): number {
    const total = cumulative[cumulative.length - 1] ?? 0;
    const x = this.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Running sums of weights, for Random#weighted. */
export function cumulative(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}
