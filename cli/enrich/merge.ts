/**
 * Merges what a card says into one registry model without losing hand-entered data. The
 * precedence (also in docs/tools.md):
 *  - a benchmark the model has no result for is added, marked `source_note: "enrich: …"`;
 *  - a result enrich added earlier (its source_note starts with "enrich:") is updated from the card;
 *  - any other result is hand-entered and always kept; a different card value is a reported conflict;
 *  - context_length and license are filled only when empty; params_b is never changed, a
 *    disagreement with the Hub is reported.
 * Pure: main.ts gathers the inputs and applies the returned model.
 */
import type { BenchmarkResult, Model } from "../../src/registry/schema";
import type { ApiInfo, ContextInfo } from "./api-record";
import type { CardScore } from "./scores";

export const ENRICH_MARK = "enrich: ";

export interface Change {
  kind: "added" | "updated" | "conflict" | "filled" | "differs";
  field: string;
  detail: string;
}

export interface Found {
  scores: CardScore[];
  /** The card page URL: every added result's `source`. */
  sourceUrl: string;
  /** Read from a local copy rather than the network. */
  local: boolean;
  api: ApiInfo | null;
  cardLicense: string | null;
  /** Context length from the API record or config.json. */
  context: ContextInfo | null;
}

/** Relative difference of parameter counts above which the Hub and the registry are said to disagree. */
const PARAMS_TOLERANCE = 0.05;

export function mergeModel(model: Model, found: Found): { model: Model; changes: Change[] } {
  const changes: Change[] = [];
  const benchmarks: BenchmarkResult[] = [...model.benchmarks];
  for (const score of found.scores) {
    const entry = toResult(score, found);
    const at = benchmarks.findIndex((b) => b.name === score.name);
    const existing = benchmarks[at];
    if (existing === undefined) {
      benchmarks.push(entry);
      changes.push({ kind: "added", field: `benchmarks.${score.name}`, detail: `${score.score} (${score.setting})` });
    } else if (existing.source_note?.startsWith(ENRICH_MARK)) {
      if (existing.score !== entry.score || existing.setting !== entry.setting || existing.source !== entry.source) {
        benchmarks[at] = entry;
        changes.push({ kind: "updated", field: `benchmarks.${score.name}`, detail: `${existing.score} → ${score.score} (${score.setting})` });
      }
    } else if (existing.score !== entry.score) {
      changes.push({
        kind: "conflict",
        field: `benchmarks.${score.name}`,
        detail: `kept hand-entered ${existing.score} (${existing.source}); the card says ${score.score} (${score.setting})`,
      });
    }
  }

  let next: Model = { ...model, benchmarks };
  const license = found.api?.license ?? found.cardLicense;
  if (license) {
    if (model.license === undefined) {
      next = { ...next, license: license.slice(0, 100) };
      changes.push({ kind: "filled", field: "license", detail: license });
    } else if (model.license !== license) {
      changes.push({ kind: "differs", field: "license", detail: `kept ${model.license}; the Hub says ${license}` });
    }
  }
  if (found.context) {
    if (model.context_length === null) {
      next = { ...next, context_length: found.context.tokens };
      changes.push({ kind: "filled", field: "context_length", detail: `${found.context.tokens} (${found.context.from})` });
    } else if (model.context_length !== found.context.tokens) {
      changes.push({ kind: "differs", field: "context_length", detail: `kept ${model.context_length}; ${found.context.from} says ${found.context.tokens}` });
    }
  }
  const params = found.api?.params;
  if (params && Math.abs(params / 1e9 - model.params_b) / model.params_b > PARAMS_TOLERANCE) {
    changes.push({ kind: "differs", field: "params_b", detail: `kept ${model.params_b}; safetensors metadata says ${(params / 1e9).toFixed(2)}` });
  }
  return { model: next, changes };
}

function toResult(score: CardScore, found: Found): BenchmarkResult {
  const where = found.local ? `${score.note} (read from a local copy)` : score.note;
  return { name: score.name, score: score.score, setting: score.setting, source: found.sourceUrl, source_note: `${ENRICH_MARK}${where}`.slice(0, 500) };
}
