/**
 * The Prometheus text exposition format (version 0.0.4, what vLLM, SGLang, TGI and llama.cpp
 * serve on /metrics), read with the maintained parser `parse-prometheus-text-format` (a port of
 * the official Python client's parser) and then checked strictly, because that parser accepts
 * anything line by line: an HTML error page comes back as families named `<html>`. Like a
 * Prometheus scrape, one bad line fails the whole body; the reader then reports the engine's load
 * as unknown, never as 0.
 *
 * Only plain samples (gauges, counters, untyped) are kept; histogram and summary families are
 * parsed (so their syntax is checked) but dropped, since no engine load field comes from them.
 *
 * Known quirks of parse-prometheus-text-format 1.1.1 handled here: it loses the last sample of a
 * body without a final newline (the format requires one; DataDog's vLLM capture has none), and it
 * does not merge a family that appears twice.
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";

/** One time series: its labels and its value, which may be NaN or ±Infinity (the format allows both). */
export interface Series {
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** Metric name → its series, in the order of the body; a family split over the body is merged. */
export type Exposition = ReadonlyMap<string, readonly Series[]>;

/** The body is not the Prometheus text format; the message names the offending line or name. */
export class ExpositionError extends Error {
  override readonly name = "ExpositionError";
}

// The data model's metric name (prometheus.io/docs/concepts/data_model): checked per name, not
// used to parse lines.
const METRIC_NAME = /^[A-Za-z_:][A-Za-z0-9_:]*$/;
// A Go ParseFloat literal as the text format writes it: decimal or exponent form.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A sample value as the text format writes it ("1.0", "8.128902e+06", "NaN", "+Inf"); null when it is not one. */
export function sampleValue(raw: string): number | null {
  switch (raw) {
    case "NaN":
      return Number.NaN;
    case "+Inf":
    case "Inf":
      return Number.POSITIVE_INFINITY;
    case "-Inf":
      return Number.NEGATIVE_INFINITY;
  }
  // Number("") is 0 and Number("0x10") is 16: only accept what the format can write.
  return DECIMAL.test(raw) ? Number(raw) : null;
}

/** Parses a /metrics body. Throws ExpositionError for anything that is not the text format. */
export function parseExposition(text: string): Exposition {
  let families;
  try {
    families = parsePrometheusTextFormat(text.endsWith("\n") ? text : `${text}\n`);
  } catch (error) {
    throw new ExpositionError(error instanceof Error ? error.message : String(error));
  }
  const out = new Map<string, Series[]>();
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new ExpositionError(`not a metric name: ${JSON.stringify(family.name.slice(0, 80))}`);
    if (family.type === "HISTOGRAM" || family.type === "SUMMARY") continue;
    const series = out.get(family.name) ?? [];
    for (const metric of family.metrics) {
      const raw = metric.value ?? "";
      const value = sampleValue(raw);
      if (value === null) throw new ExpositionError(`${family.name}: not a sample value: ${JSON.stringify(raw.slice(0, 40))}`);
      series.push({ labels: metric.labels ?? {}, value });
    }
    out.set(family.name, series);
  }
  return out;
}
