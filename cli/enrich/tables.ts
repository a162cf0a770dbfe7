/**
 * Reads plain markdown pipe tables of a card body into RawScores, for cards without a usable
 * model-index. A table counts as an evaluation table only when a cell names a benchmark the
 * alias table knows; the model's own column is found by its name, so a table comparing five
 * models never lends this model another one's numbers. Called by card.ts. Pure.
 */
import { canonicalBenchmark } from "../../src/registry/benchmark-aliases";
import type { RawScore } from "./scores";
import { parseValue, shotsFrom } from "./scores";

interface Table {
  header: string[];
  rows: string[][];
}

/** RawScores from every evaluation table; `names` are how the card may title this model's column. */
export function readTables(body: string, names: string[]): { scores: RawScore[]; problems: string[] } {
  const scores: RawScore[] = [];
  const problems: string[] = [];
  const wanted = [...new Set(names.map(squash).filter((n) => n !== ""))];
  findTables(body).forEach((table, t) => {
    const labelColumn = bestLabelColumn(table);
    const headerHits = table.header.filter((h) => canonicalBenchmark(h) !== null).length;
    if (headerHits >= 2 && headerHits > labelColumn.hits) readTransposed(table, t + 1, wanted, scores, problems);
    else if (labelColumn.hits > 0) readByRows(table, t + 1, labelColumn.index, wanted, scores, problems);
  });
  return { scores, problems };
}

/** Benchmarks down one column, models across: pick this model's column. */
function readByRows(table: Table, n: number, labelAt: number, wanted: string[], scores: RawScore[], problems: string[]): void {
  const role = (h: string): "shots" | "metric" | "other" | "value" =>
    /shot/i.test(h) ? "shots" : /^metrics?$|^metric\b/i.test(h) ? "metric" : /^(#|category|setting|type|task|benchmark|dataset)/i.test(h) ? "other" : "value";
  const valueColumns = table.header
    .map((h, i) => ({ h, i }))
    .filter(({ h, i }) => i !== labelAt && role(h) === "value" && table.rows.some((r) => parseValue(r[i] ?? "") !== null));
  const column = pickByName(valueColumns.map((c) => ({ key: c.h, value: c.i })), wanted) ?? (valueColumns.length === 1 ? valueColumns[0]!.i : null);
  if (column === null) {
    if (valueColumns.length > 1) problems.push(`table ${n}: columns ${valueColumns.map((c) => `'${c.h}'`).join(", ")} and none is this model; skipped`);
    return;
  }
  const shotsAt = table.header.findIndex((h, i) => i !== labelAt && role(h) === "shots");
  const metricAt = table.header.findIndex((h, i) => i !== labelAt && role(h) === "metric");
  const header = table.header[column]!;
  for (const row of table.rows) {
    const label = row[labelAt] ?? "";
    const parsed = parseValue(row[column] ?? "");
    if (label === "" || parsed === null) continue;
    const shotsCell = shotsAt >= 0 && /^\d+$/.test(row[shotsAt] ?? "") ? Number(row[shotsAt]) : NaN;
    scores.push({
      label,
      candidates: [label],
      ...parsed,
      shots: Number.isInteger(shotsCell) ? shotsCell : shotsFrom(label),
      metric: metricAt >= 0 && (row[metricAt] ?? "") !== "" ? row[metricAt]! : null,
      where: `README table ${n} column '${header}' row '${label}'`,
      group: `table ${n}`,
    });
  }
}

/** Models down the first column, benchmarks across: pick this model's row. */
function readTransposed(table: Table, n: number, wanted: string[], scores: RawScore[], problems: string[]): void {
  const rowIndex = pickByName(table.rows.map((r, i) => ({ key: r[0] ?? "", value: i })), wanted) ?? (table.rows.length === 1 ? 0 : null);
  if (rowIndex === null) {
    problems.push(`table ${n}: rows ${table.rows.map((r) => `'${r[0] ?? ""}'`).join(", ")} and none is this model; skipped`);
    return;
  }
  const row = table.rows[rowIndex]!;
  table.header.forEach((label, i) => {
    const parsed = i === 0 ? null : parseValue(row[i] ?? "");
    if (parsed === null || label === "") return;
    scores.push({
      label,
      candidates: [label],
      ...parsed,
      shots: shotsFrom(label),
      metric: null,
      where: `README table ${n} row '${row[0]}' column '${label}'`,
      group: `table ${n}`,
    });
  });
}

/** The column with the most cells the alias table knows. */
function bestLabelColumn(table: Table): { index: number; hits: number } {
  let best = { index: 0, hits: 0 };
  table.header.forEach((_, i) => {
    const hits = table.rows.filter((r) => canonicalBenchmark(r[i] ?? "") !== null).length;
    if (hits > best.hits) best = { index: i, hits };
  });
  return best;
}

/**
 * An exact name match, else the one key that ends with a wanted name ("Meta-Llama-3.1-8B-Instruct"
 * for "Llama-3.1-8B-Instruct", but not "Phi-4-mini" for "phi-4"); null when none or ambiguous.
 */
function pickByName<T>(items: { key: string; value: T }[], wanted: string[]): T | null {
  const exact = items.filter((it) => wanted.includes(squash(it.key)));
  if (exact.length === 1) return exact[0]!.value;
  if (exact.length > 1) return null;
  const containing = items.filter((it) => wanted.some((w) => squash(it.key).endsWith(w)));
  return containing.length === 1 ? containing[0]!.value : null;
}

/** "**Llama 3.1 8B Instruct**" and "Llama-3.1-8B-Instruct" both → "llama318binstruct". */
function squash(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Pipe tables outside code fences: a header row, a `---|---` separator, then rows. */
function findTables(body: string): Table[] {
  const lines = body.replace(/<!--[\s\S]*?-->/g, "").split(/\r?\n/);
  const tables: Table[] = [];
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced || !line.includes("|") || !isSeparator(lines[i + 1] ?? "")) continue;
    const header = cells(line);
    const rows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j]!.includes("|") && lines[j]!.trim() !== ""; j++) rows.push(cells(lines[j]!));
    tables.push({ header, rows });
    i = j - 1;
  }
  return tables;
}

function isSeparator(line: string): boolean {
  return /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/.test(line) && line.includes("-");
}

function cells(line: string): string[] {
  let trimmed = line.trim();
  if (trimmed.startsWith("|")) trimmed = trimmed.slice(1);
  if (trimmed.endsWith("|") && !trimmed.endsWith("\\|")) trimmed = trimmed.slice(0, -1);
  return trimmed.split(/(?<!\\)\|/).map(cleanCell);
}

/** Markup off a cell: tags, links, emphasis, footnote marks. */
function cleanCell(cell: string): string {
  return cell
    .replace(/<[^>]+>/g, " ")
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/&nbsp;/g, " ")
    .replace(/\*\*|__|`/g, "")
    .replace(/[†‡^]+/g, "")
    .replace(/\\\|/g, "|")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^\*(.*)\*$/, "$1");
}
