/**
 * From numbers as a card writes them to benchmark results the registry accepts: labels through
 * the alias table, 0–1 fractions to percentage points, one result per benchmark. The readers
 * (model-index.ts, tables.ts) produce RawScores; card.ts calls resolveScores on them. Pure.
 */
import { canonicalBenchmark, normalizeLabel, shotsInLabel } from "../../src/registry/benchmark-aliases";

/** One number a card states, before the alias table and scale are applied. */
export interface RawScore {
  /** The label shown in reports (dataset name, table row). */
  label: string;
  /** Labels to try against the alias table, most specific first. */
  candidates: string[];
  value: number;
  /** The value as written ("0.408", "73.8%"). */
  written: string;
  /** The value carried an explicit '%'. */
  percent: boolean;
  shots: number | null;
  metric: string | null;
  /** Where in the card: for source_note and reports. */
  where: string;
  /** Values of one group share a scale (one model-index, one table column). */
  group: string;
}

export interface CardScore {
  name: string;
  score: number;
  setting: string;
  /** Where in the card, and the value as written when it was rescaled. */
  note: string;
  label: string;
}

export interface Resolution {
  scores: CardScore[];
  /** Labels the alias table does not know, with the value: reported, never dropped silently. */
  unknown: { label: string; written: string; where: string }[];
  /** Second values for a benchmark that already had one. */
  duplicates: { name: string; label: string; written: string; kept_label: string }[];
  problems: string[];
}

/** A number as a card writes it: 62.03, "73.8%", "**84.8**"; null for "-", "N/A", text. */
export function parseValue(raw: unknown): { value: number; percent: boolean; written: string } | null {
  if (typeof raw === "number") return Number.isFinite(raw) ? { value: raw, percent: false, written: String(raw) } : null;
  if (typeof raw !== "string") return null;
  const match = /^\s*([-+]?\d+(?:\.\d+)?|[-+]?\.\d+)\s*(%)?\s*$/.exec(raw.replace(/[*_`]/g, ""));
  return match ? { value: Number(match[1]), percent: match[2] === "%", written: raw.trim() } : null;
}

/** The shots a label or metric states, else null. */
export function shotsFrom(...labels: (string | null | undefined)[]): number | null {
  for (const label of labels) {
    if (!label) continue;
    const shots = shotsInLabel(label);
    if (shots !== null) return shots;
  }
  return null;
}

export function resolveScores(raw: RawScore[], catalog: readonly string[]): Resolution {
  const out: Resolution = { scores: [], unknown: [], duplicates: [], problems: [] };
  const resolved: { raw: RawScore; name: string }[] = [];
  for (const r of raw) {
    const name = r.candidates.map(canonicalBenchmark).find((n): n is string => n !== null);
    if (name === undefined) out.unknown.push({ label: r.label, written: r.written, where: r.where });
    else if (!catalog.includes(name)) out.unknown.push({ label: `${r.label} (= ${name}, not in this registry's catalog)`, written: r.written, where: r.where });
    else resolved.push({ raw: r, name });
  }

  // A group whose plain numbers are all within 0–1 states fractions (StarCoder's 0.408); one number
  // above 1 means the whole group is in percent (Zephyr's 62.03 next to an AlpacaEval 0.906).
  const fractionGroups = new Set<string>();
  for (const group of new Set(resolved.map((r) => r.raw.group))) {
    const plain = resolved.filter((r) => r.raw.group === group && !r.raw.percent);
    if (plain.length > 0 && plain.every((r) => r.raw.value >= 0 && r.raw.value <= 1)) fractionGroups.add(group);
  }

  const chosen = new Map<string, { raw: RawScore; score: CardScore }>();
  for (const { raw: r, name } of resolved) {
    const scaled = fractionGroups.has(r.group) && !r.percent;
    const score = scaled ? Number((r.value * 100).toPrecision(12)) : r.value;
    if (score < 0 || score > 100) {
      out.problems.push(`${r.where}: ${name} value ${r.written} is outside 0–100 after scaling; skipped`);
      continue;
    }
    const candidate: CardScore = { name, score, setting: settingOf(r, name), note: scaled ? `${r.where}; card value ${r.written}` : r.where, label: r.label };
    const previous = chosen.get(name);
    // Two numbers for one benchmark (MMLU and MMLU (CoT)): the one labelled exactly like the
    // benchmark wins, else the first; the same rule the demo-registry build applies.
    if (previous && (isExact(previous.raw.label, name) || !isExact(r.label, name))) {
      out.duplicates.push({ name, label: r.label, written: r.written, kept_label: previous.raw.label });
      continue;
    }
    if (previous) out.duplicates.push({ name, label: previous.raw.label, written: previous.raw.written, kept_label: r.label });
    chosen.set(name, { raw: r, score: candidate });
  }
  out.scores = [...chosen.values()].map((c) => c.score);
  return out;
}

function isExact(label: string, name: string): boolean {
  const plain = label.replace(/\s*\(\s*\d+[- ]?shots?\s*\)\s*$/i, "");
  return normalizeLabel(plain) === normalizeLabel(name);
}

function settingOf(r: RawScore, name: string): string {
  const parts: string[] = [];
  if (r.shots !== null) parts.push(`${r.shots}-shot`);
  if (r.metric) parts.push(r.metric);
  if (!isExact(r.label, name)) parts.push(`source label '${r.label}'`);
  return (parts.length > 0 ? parts.join("; ") : "as stated on the model card").slice(0, 300);
}
