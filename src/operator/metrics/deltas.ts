/**
 * Counter increments an isolate has made since its last flush, held in memory so counting costs
 * no I/O on the request path. Histograms are stored as their cumulative `_bucket`, `_sum` and
 * `_count` series, so every delta is a plain addition the Durable Object can merge. Used by
 * recorder.ts; pure apart from its own state.
 *
 * Cheap on purpose (it runs on every decision): a series is found by walking a tree of Maps keyed
 * by its label values in the catalog's label order, so no key string is built per call; a
 * histogram observation finds its bucket by binary search and adds 1 to that bucket alone, the
 * cumulative `_bucket` values being summed once per flush in drain(). What drain() returns — the
 * series, their values, their labels and their order (first touched first) — is what the former
 * per-call implementation returned (test/operator/metrics-deltas.test.ts compares the two).
 */
import type { MetricFamily } from "./catalog";
import { labelKey, type Series } from "./series";

/** One label set of a histogram family between flushes. */
interface HistogramCell {
  /** Observations per bucket, not cumulative; index = bucket (catalog bounds, then +Inf). */
  counts: number[];
  /** The `_bucket` series made so far (from the lowest bucket observed up to +Inf), by bucket index; values set in drain(). */
  buckets: Array<Series | undefined>;
  lowest: number;
  sum: Series;
  count: Series;
}

/** A Map tree per family name, one level per label of the family; the leaf is a counter's Series or a histogram cell. */
type Node = Map<string, Node | Series | HistogramCell>;

export class MetricDeltas {
  /** Every series touched since the last drain, in the order first touched. */
  private order: Series[] = [];
  private trees = new Map<string, Node | Series | HistogramCell>();
  /** Label sets that do not match their family's label names: keyed as before, never on the hot path. */
  private irregular = new Map<string, Series>();
  private histograms: HistogramCell[] = [];

  /** Adds `by` to a counter family's series with these labels. */
  count(family: MetricFamily, labels: Record<string, string>, by = 1): void {
    if (!matches(family, labels)) {
      this.irregularAdd(family.name, labels, by);
      return;
    }
    const series = this.find(family, labels) as Series | undefined;
    if (series) series.value += by;
    else this.insert(family, labels, this.newSeries(family.name, labels, by));
  }

  /** Records one observation in a histogram family: every bucket whose bound is ≥ value, +Inf, sum and count. */
  observe(family: MetricFamily, labels: Record<string, string>, value: number): void {
    const bounds = family.buckets ?? [];
    if (!matches(family, labels)) {
      for (const bound of bounds) if (value <= bound) this.irregularAdd(`${family.name}_bucket`, { ...labels, le: String(bound) }, 1);
      this.irregularAdd(`${family.name}_bucket`, { ...labels, le: "+Inf" }, 1);
      this.irregularAdd(`${family.name}_sum`, labels, value);
      this.irregularAdd(`${family.name}_count`, labels, 1);
      return;
    }
    let cell = this.find(family, labels) as HistogramCell | undefined;
    // The first bound ≥ value (NaN compares false everywhere: only +Inf).
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (value <= bounds[mid]!) hi = mid;
      else lo = mid + 1;
    }
    if (!cell) {
      // First observation: buckets from here up, then +Inf, sum and count, made in that order.
      const buckets: Array<Series | undefined> = new Array(bounds.length + 1);
      for (let i = lo; i <= bounds.length; i++) buckets[i] = this.newBucket(family, labels, i);
      const counts = new Array<number>(bounds.length + 1).fill(0);
      counts[lo] = 1;
      cell = { counts, buckets, lowest: lo, sum: this.newSeries(`${family.name}_sum`, labels, value), count: this.newSeries(`${family.name}_count`, labels, 1) };
      this.histograms.push(cell);
      this.insert(family, labels, cell);
      return;
    }
    for (let i = lo; i < cell.lowest; i++) cell.buckets[i] = this.newBucket(family, labels, i);
    if (lo < cell.lowest) cell.lowest = lo;
    cell.counts[lo] = cell.counts[lo]! + 1;
    cell.sum.value += value;
    cell.count.value += 1;
  }

  get size(): number {
    return this.order.length;
  }

  /** Everything counted so far, and forgets it. */
  drain(): Series[] {
    for (const cell of this.histograms) {
      let running = 0;
      cell.counts.forEach((n, i) => {
        running += n;
        const bucket = cell.buckets[i];
        if (bucket) bucket.value = running;
      });
    }
    const out = this.order;
    this.order = [];
    this.trees = new Map();
    this.irregular = new Map();
    this.histograms = [];
    return out;
  }

  /** The leaf for `labels` (walked in the family's label order), or undefined. */
  private find(family: MetricFamily, labels: Record<string, string>): Series | HistogramCell | undefined {
    let node = this.trees.get(family.name);
    for (const name of family.labels) {
      if (node === undefined) return undefined;
      node = (node as Node).get(labels[name]!);
    }
    return node as Series | HistogramCell | undefined;
  }

  private insert(family: MetricFamily, labels: Record<string, string>, leaf: Series | HistogramCell): void {
    const names = family.labels;
    if (names.length === 0) {
      this.trees.set(family.name, leaf);
      return;
    }
    let node = this.trees.get(family.name) as Node | undefined;
    if (!node) this.trees.set(family.name, (node = new Map()));
    for (let i = 0; i < names.length - 1; i++) {
      const value = labels[names[i]!]!;
      let next = node.get(value) as Node | undefined;
      if (!next) node.set(value, (next = new Map()));
      node = next;
    }
    node.set(labels[names[names.length - 1]!]!, leaf);
  }

  private newSeries(name: string, labels: Record<string, string>, value: number): Series {
    const series = { name, labels: { ...labels }, value };
    this.order.push(series);
    return series;
  }

  private newBucket(family: MetricFamily, labels: Record<string, string>, index: number): Series {
    const bounds = family.buckets ?? [];
    return this.newSeries(`${family.name}_bucket`, { ...labels, le: index < bounds.length ? String(bounds[index]) : "+Inf" }, 0);
  }

  private irregularAdd(name: string, labels: Record<string, string>, by: number): void {
    const key = `${name}${labelKey(labels)}`;
    const current = this.irregular.get(key);
    if (current) current.value += by;
    else this.irregular.set(key, this.newSeries(name, labels, by));
  }
}

/** Whether `labels` has exactly the family's label names, each a string (the shape every caller passes). */
function matches(family: MetricFamily, labels: Record<string, string>): boolean {
  let n = 0;
  for (const key in labels) {
    if (!Object.hasOwn(labels, key)) continue;
    n++;
    if (typeof labels[key] !== "string") return false;
  }
  if (n !== family.labels.length) return false;
  for (const name of family.labels) if (!Object.hasOwn(labels, name)) return false;
  return true;
}
