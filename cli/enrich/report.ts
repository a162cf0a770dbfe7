/**
 * What `enrich` tells its user: one line per model for the progress log, the per-model changes
 * (a diff under --dry-run), and the summary: models updated, benchmarks added, failures with
 * their reasons. --json prints the same data as one object.
 */
import type { Model } from "../../src/registry/schema";
import type { CardExtraction, CardScore } from "./card";
import type { Change } from "./merge";

export interface ModelOutcome {
  repo: string;
  /** Registry model id; null when enriching a bare --model. */
  id: string | null;
  status: "updated" | "unchanged" | "failed";
  reason?: string;
  origin: CardExtraction["origin"];
  scores: CardScore[];
  changes: Change[];
  unknown: CardExtraction["unknown"];
  duplicates: CardExtraction["duplicates"];
  problems: string[];
  /** Retries, missing API records and similar; informational. */
  notes: string[];
  merged: Model | null;
}

export interface Summary {
  models: number;
  updated: number;
  unchanged: number;
  failed: number;
  benchmarks_added: number;
  benchmarks_updated: number;
  conflicts_kept: number;
  fields_filled: number;
  unknown_labels: number;
  failures: { repo: string; reason: string }[];
  dry_run: boolean;
  /** The registry file enriched; null when only --model repos were read. */
  registry: string | null;
  /** The file written, when one was. */
  written: string | null;
  /** Validation errors of the merged registry; non-empty means nothing was written. */
  invalid: string[];
}

const count = (outcomes: ModelOutcome[], kind: Change["kind"]): number => outcomes.reduce((n, o) => n + o.changes.filter((c) => c.kind === kind).length, 0);

export function summarize(outcomes: ModelOutcome[], run: { dryRun: boolean; written: string | null; invalid: string[]; registry: string | null }): Summary {
  return {
    models: outcomes.length,
    updated: outcomes.filter((o) => o.status === "updated").length,
    unchanged: outcomes.filter((o) => o.status === "unchanged").length,
    failed: outcomes.filter((o) => o.status === "failed").length,
    benchmarks_added: count(outcomes, "added"),
    benchmarks_updated: count(outcomes, "updated"),
    conflicts_kept: count(outcomes, "conflict"),
    fields_filled: count(outcomes, "filled"),
    unknown_labels: outcomes.reduce((n, o) => n + o.unknown.length, 0),
    failures: outcomes.filter((o) => o.status === "failed").map((o) => ({ repo: o.repo, reason: o.reason ?? "unknown" })),
    dry_run: run.dryRun,
    registry: run.registry,
    written: run.written,
    invalid: run.invalid,
  };
}

/** The progress log's line for one finished model. */
export function outcomeLine(o: ModelOutcome): string {
  if (o.status === "failed") return `failed: ${o.reason}`;
  const added = o.changes.filter((c) => c.kind === "added").length;
  const conflicts = o.changes.filter((c) => c.kind === "conflict").length;
  return `${o.status}, ${o.scores.length} results from ${o.origin}, +${added} added, ${conflicts} conflicts, ${o.unknown.length} unknown`;
}

const SYMBOL: Record<Change["kind"], string> = { added: "+", filled: "+", updated: "~", conflict: "!", differs: "!" };

export function renderText(outcomes: ModelOutcome[], s: Summary): string {
  const lines: string[] = [];
  for (const o of outcomes) {
    lines.push(`${o.repo}${o.id ? ` (${o.id})` : ""}: ${o.status === "failed" ? `FAILED: ${o.reason}` : `${o.status}, read from ${o.origin}`}`);
    if (o.id === null) for (const sc of o.scores) lines.push(`  = ${sc.name} ${sc.score} (${sc.setting})`);
    for (const c of o.changes) lines.push(`  ${SYMBOL[c.kind]} ${c.field}: ${c.detail}`);
    if (o.unknown.length > 0) lines.push(`  ? not in the alias table or catalog: ${o.unknown.map((u) => `${u.label} ${u.written}`).join("; ")}`);
    for (const d of o.duplicates) lines.push(`  - second value for ${d.name}: '${d.label}' ${d.written} (kept '${d.kept_label}')`);
    for (const p of o.problems) lines.push(`  · ${p}`);
    for (const n of o.notes) lines.push(`  · ${n}`);
  }
  lines.push(
    "",
    `summary: ${s.models} models: ${s.updated} updated, ${s.unchanged} unchanged, ${s.failed} failed; ` +
      `${s.benchmarks_added} benchmarks added, ${s.benchmarks_updated} updated, ${s.conflicts_kept} conflicts kept, ${s.fields_filled} fields filled; ${s.unknown_labels} unknown labels`,
  );
  for (const f of s.failures) lines.push(`  failed ${f.repo}: ${f.reason}`);
  if (s.invalid.length > 0) lines.push("the merged registry is invalid; nothing was written:", ...s.invalid.map((e) => `  ${e}`));
  else if (s.written) lines.push(`wrote ${s.written} (previous content in ${s.written}.bak)`);
  else if (s.registry === null) lines.push("no registry given: nothing written");
  else if (s.dry_run) lines.push("dry run: nothing written");
  else lines.push("nothing to write");
  return lines.join("\n") + "\n";
}
