/**
 * Counter increments an isolate has made since its last flush, held in memory so counting costs
 * no I/O on the request path. Histograms are stored as their cumulative `_bucket`, `_sum` and
 * `_count` series, so every delta is a plain addition the Durable Object can merge. Used by
 * recorder.ts; pure apart from its own state.
 */
import type { MetricFamily } from "./catalog";
import { labelKey, type Series } from "./series";

export class MetricDeltas {
  private readonly series = new Map<string, Series>();

  /** Adds `by` to a counter family's series with these labels. */
  count(family: MetricFamily, labels: Record<string, string>, by = 1): void {
    this.add(family.name, labels, by);
  }

  /** Records one observation in a histogram family: every bucket whose bound is ≥ value, +Inf, sum and count. */
  observe(family: MetricFamily, labels: Record<string, string>, value: number): void {
    for (const bound of family.buckets ?? []) {
      if (value <= bound) this.add(`${family.name}_bucket`, { ...labels, le: String(bound) }, 1);
    }
    this.add(`${family.name}_bucket`, { ...labels, le: "+Inf" }, 1);
    this.add(`${family.name}_sum`, labels, value);
    this.add(`${family.name}_count`, labels, 1);
  }

  get size(): number {
    return this.series.size;
  }

  /** Everything counted so far, and forgets it. */
  drain(): Series[] {
    const out = [...this.series.values()];
    this.series.clear();
    return out;
  }

  private add(name: string, labels: Record<string, string>, by: number): void {
    const key = `${name}${labelKey(labels)}`;
    const current = this.series.get(key);
    if (current) current.value += by;
    else this.series.set(key, { name, labels: { ...labels }, value: by });
  }
}
