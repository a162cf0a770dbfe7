/**
 * The validator's findings as one object (printed whole by --json) and its readable rendering.
 * Exit codes: 0 clean, 1 errors (or warnings under --strict), 2 usage; see docs/tools.md.
 */
import type { FieldError } from "../../src/errors";
import type { SuccessMetric } from "../../src/registry/lint";

export interface ValidateReport {
  source: string;
  strict: boolean;
  /** Sizes of the document when it parsed. */
  summary: { version: number; models: number; categories: number; benchmarks: number } | null;
  errors: FieldError[];
  /** lint.ts warnings plus one per success metric below its goal. */
  warnings: FieldError[];
  metrics: SuccessMetric[];
  categories_without_models: string[];
  exit_code: 0 | 1;
}

export function exitCodeFor(errors: number, warnings: number, strict: boolean): 0 | 1 {
  return errors > 0 || (strict && warnings > 0) ? 1 : 0;
}

/** "94.4% (34/36)" for shares, "24" for counts. */
export function formatMetric(m: SuccessMetric): string {
  return m.kind === "share" ? `${(m.value * 100).toFixed(1)}% (${m.numerator}/${m.denominator})` : String(m.value);
}

export function formatGoal(m: SuccessMetric): string {
  return m.kind === "share" ? `≥ ${Math.round(m.goal * 100)}%` : `≥ ${m.goal}`;
}

/** Metrics below their goal, as warnings (so --strict fails on them too). */
export function metricWarnings(metrics: SuccessMetric[]): FieldError[] {
  return metrics.filter((m) => !m.met).map((m) => ({ path: `metrics.${m.id}`, message: `${m.label}: ${formatMetric(m)}, goal ${formatGoal(m)}` }));
}

export function renderText(report: ValidateReport): string {
  const lines: string[] = [];
  const s = report.summary;
  lines.push(s ? `${report.source}: registry version ${s.version}, ${s.models} models, ${s.categories} categories, ${s.benchmarks} benchmarks` : `${report.source}:`);
  const section = (title: string, items: FieldError[]): void => {
    lines.push("", `${title} (${items.length})`);
    for (const item of items) lines.push(`  ${item.path}: ${item.message}`);
  };
  section("errors", report.errors);
  if (report.errors.length > 0) lines.push("", "warnings: checked once the errors are fixed");
  else section("warnings", report.warnings);
  if (report.metrics.length > 0) {
    lines.push("", "success metrics");
    const width = Math.max(...report.metrics.map((m) => m.label.length));
    for (const m of report.metrics) {
      lines.push(`  ${m.label.padEnd(width)}  ${formatMetric(m).padEnd(16)} goal ${formatGoal(m).padEnd(6)} ${m.met ? "met" : "NOT MET"}`);
    }
    if (report.categories_without_models.length > 0) {
      lines.push(`  categories no model serves directly (routed to an ancestor): ${report.categories_without_models.join(", ")}`);
    }
  }
  const verdict =
    report.errors.length > 0 ? "INVALID"
    : report.warnings.length > 0 ? (report.strict ? "FAILED (--strict: warnings count as errors)" : "valid, with warnings")
    : "valid";
  lines.push("", `result: ${verdict} — ${report.errors.length} errors, ${report.warnings.length} warnings`);
  return lines.join("\n") + "\n";
}
