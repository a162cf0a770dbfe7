/**
 * Reads the `model-index` of a card's YAML front matter (the Hub's structured evaluation
 * results) into RawScores. Tolerant by design: each result is read on its own, and a malformed
 * one is reported without losing the others. Called by card.ts.
 */
import { parse } from "yaml";
import type { RawScore } from "./scores";
import { parseValue, shotsFrom } from "./scores";

export interface FrontMatter {
  /** The parsed YAML mapping, or null when there is none or it does not parse. */
  data: Record<string, unknown> | null;
  /** The markdown after the front matter. */
  body: string;
  problems: string[];
}

const FENCE = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/** Splits `---\n<yaml>\n---` off the top of a card and parses it. */
export function splitFrontMatter(card: string): FrontMatter {
  const match = FENCE.exec(card);
  if (!match) return { data: null, body: card, problems: [] };
  const body = card.slice(match[0].length);
  try {
    const data: unknown = parse(match[1]!, { maxAliasCount: 100 });
    if (data === null || data === undefined) return { data: null, body, problems: [] };
    if (!isRecord(data)) return { data: null, body, problems: ["front matter is not a YAML mapping; ignored"] };
    return { data, body, problems: [] };
  } catch (error) {
    const message = (error instanceof Error ? error.message.split("\n")[0]! : String(error)).replace(/:\s*$/, "");
    return { data: null, body, problems: [`front matter is not valid YAML (${message}); read the markdown tables only`] };
  }
}

/** RawScores of every result of every model-index entry; problems name what could not be read. */
export function readModelIndex(front: Record<string, unknown>): { scores: RawScore[]; problems: string[]; present: boolean } {
  const index = front["model-index"];
  if (index === undefined || index === null) return { scores: [], problems: [], present: false };
  if (!Array.isArray(index)) return { scores: [], problems: ["model-index is not a list; ignored"], present: true };
  const scores: RawScore[] = [];
  const problems: string[] = [];
  index.forEach((entry: unknown, e) => {
    const results = isRecord(entry) ? entry.results : undefined;
    if (!Array.isArray(results)) {
      problems.push(`model-index.${e}: no results list`);
      return;
    }
    results.forEach((result: unknown, r) => readResult(result, `model-index.${e}.results.${r}`, scores, problems));
  });
  return { scores, problems, present: true };
}

function readResult(result: unknown, at: string, scores: RawScore[], problems: string[]): void {
  const dataset = isRecord(result) && isRecord(result.dataset) ? result.dataset : null;
  const metrics = isRecord(result) ? result.metrics : undefined;
  if (!dataset || !Array.isArray(metrics)) {
    problems.push(`${at}: needs a dataset and a metrics list; skipped`);
    return;
  }
  const name = text(dataset.name);
  const type = text(dataset.type);
  const config = text(dataset.config);
  const args = isRecord(dataset.args) ? dataset.args : {};
  // ai2_arc's ARC-Easy config is the one known trap: its name or type alone would read as
  // ARC-Challenge, so it is labelled with its config and looked up by nothing.
  const easy = config !== null && /^arc[-_ ]?easy$/i.test(config);
  const shown = name ?? type ?? "(unnamed dataset)";
  const label = easy && !shown.toLowerCase().includes(config.toLowerCase()) ? `${shown} (${config})` : shown;
  metrics.forEach((metric: unknown, m) => {
    if (!isRecord(metric)) {
      problems.push(`${at}.metrics.${m}: not a mapping; skipped`);
      return;
    }
    const parsed = parseValue(metric.value);
    if (parsed === null) {
      problems.push(`${at}.metrics.${m}: ${label} value ${JSON.stringify(metric.value ?? null)} is not a number; skipped`);
      return;
    }
    if (typeof metric.value === "string") problems.push(`${at}.metrics.${m}: ${label} value is a string ${JSON.stringify(metric.value)}; read as ${parsed.value}${parsed.percent ? "%" : ""}`);
    const metricType = text(metric.type);
    const metricName = text(metric.name);
    scores.push({
      label,
      candidates: easy ? [] : [name, config, type, metricName].filter((l): l is string => l !== null),
      value: parsed.value,
      written: parsed.written,
      percent: parsed.percent,
      shots: numberOrNull(args.num_few_shot) ?? shotsFrom(name, metricName),
      metric: metricType ?? metricName,
      where: `README model-index '${label}'${type && type !== name ? ` (${type}${config ? `/${config}` : ""})` : ""} ${metricType ?? metricName ?? ""}`.trim(),
      group: "model-index",
    });
  });
}

function text(value: unknown): string | null {
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  if (typeof value === "number") return String(value);
  return null;
}

function numberOrNull(value: unknown): number | null {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
