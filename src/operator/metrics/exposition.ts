/**
 * The Prometheus text exposition format, version 0.0.4: a HELP and a TYPE line per family, then
 * one line per sample with escaped label values. Histograms get every bucket of the catalog
 * (missing cumulative buckets take the value of the bucket below) so histogram_quantile works
 * from the first scrape. Pure; scrape.ts calls it.
 */
import type { MetricFamily } from "./catalog";
import { labelKey, type Series } from "./series";

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface FamilySamples {
  family: MetricFamily;
  samples: readonly Series[];
}

/**
 * The text format escapes only backslash, line feed and (in label values) the double quote; it has
 * no escape for other control characters, and a raw carriage return splits a line for some readers,
 * so those become U+FFFD rather than passing through.
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029]/g;
const escapeHelp = (text: string): string => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(CONTROL, "\uFFFD");
const escapeLabel = (text: string): string => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"').replace(CONTROL, "\uFFFD");

/** A sample value as Prometheus writes it (Go's ParseFloat reads JS number strings; infinities are spelled out). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** Labels in the catalog's order (then any other, `le` last), whatever order storage returned them in. */
function line(family: MetricFamily, sample: Series): string {
  const rank = (key: string): number => (key === "le" ? Infinity : family.labels.indexOf(key) + 1 || family.labels.length + 1);
  const labels = Object.entries(sample.labels).sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const body = labels.length === 0 ? "" : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;
  return `${sample.name}${body} ${formatValue(sample.value)}`;
}

/** The _bucket series of every label set, one per catalog bound and +Inf, cumulative; then _sum and _count. */
function completeHistogram(family: MetricFamily, samples: readonly Series[]): Series[] {
  const bucketName = `${family.name}_bucket`;
  const groups = new Map<string, { labels: Record<string, string>; byLe: Map<string, number>; sum: number; count: number }>();
  const group = (labels: Record<string, string>) => {
    const key = labelKey(labels);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels, byLe: new Map(), sum: 0, count: 0 }));
    return g;
  };
  for (const s of samples) {
    if (s.name === bucketName) {
      const { le, ...rest } = s.labels;
      if (le !== undefined) group(rest).byLe.set(le, s.value);
    } else if (s.name === `${family.name}_sum`) group(s.labels).sum = s.value;
    else if (s.name === `${family.name}_count`) group(s.labels).count = s.value;
  }
  // An unlabelled histogram exists from the start, all zeros, like a client library's.
  if (groups.size === 0 && family.labels.length === 0) group({});
  const out: Series[] = [];
  for (const g of groups.values()) {
    let running = 0;
    for (const bound of family.buckets ?? []) {
      running = g.byLe.get(String(bound)) ?? running;
      out.push({ name: bucketName, labels: { ...g.labels, le: String(bound) }, value: running });
    }
    out.push({ name: bucketName, labels: { ...g.labels, le: "+Inf" }, value: g.byLe.get("+Inf") ?? g.count });
    out.push({ name: `${family.name}_sum`, labels: g.labels, value: g.sum });
    out.push({ name: `${family.name}_count`, labels: g.labels, value: g.count });
  }
  return out;
}

/** The exposition text; families without samples still get their HELP and TYPE lines. */
export function renderExposition(families: readonly FamilySamples[]): string {
  const lines: string[] = [];
  for (const { family, samples } of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    const complete = family.type === "histogram" ? completeHistogram(family, samples) : samples;
    for (const sample of complete) lines.push(line(family, sample));
  }
  return `${lines.join("\n")}\n`;
}
