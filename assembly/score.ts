// Benchmark scoring, run once per registry version by init_registry: for every (category, model)
// entry, the weighted mean of the model's results on the category's relevant benchmarks, scaled
// to 0–50. The TS reference (src/kernel/reference.ts) sums in the same catalog order, so both
// produce bit-identical doubles.
import {
  H_CATEGORIES, H_BENCHMARKS, H_CAT_BENCH_OFF, H_CAT_BENCH_IDX, H_CAT_MODEL_OFF, H_CAT_MODEL_IDX,
  H_CAT_MODEL_BENCH, H_BENCH_SCORES, H_BENCH_WEIGHTS,
} from "./layout";
import { header, getI32, getF64, setF64 } from "./memory";

/** Weighted mean of one model's relevant benchmark results, scaled to 0–50; 0 when it has none. */
export function benchmarkScore(category: i32, model: i32): f64 {
  const benchmarks = header(H_BENCHMARKS);
  const from = getI32(H_CAT_BENCH_OFF, category);
  const to = getI32(H_CAT_BENCH_OFF, category + 1);
  let weighted: f64 = 0;
  let weights: f64 = 0;
  for (let i = from; i < to; i++) {
    const b = getI32(H_CAT_BENCH_IDX, i);
    const score = getF64(H_BENCH_SCORES, model * benchmarks + b);
    if (isNaN(score)) continue;
    const w = getF64(H_BENCH_WEIGHTS, b);
    weighted += score * w;
    weights += w;
  }
  if (weights <= 0) return 0;
  return weighted / weights / 100.0 * 50.0;
}

/** Fills H_CAT_MODEL_BENCH for every category entry. */
export function scoreAllEntries(): void {
  const categories = header(H_CATEGORIES);
  for (let c = 0; c < categories; c++) {
    const from = getI32(H_CAT_MODEL_OFF, c);
    const to = getI32(H_CAT_MODEL_OFF, c + 1);
    for (let e = from; e < to; e++) {
      setF64(H_CAT_MODEL_BENCH, e, benchmarkScore(c, getI32(H_CAT_MODEL_IDX, e)));
    }
  }
}
