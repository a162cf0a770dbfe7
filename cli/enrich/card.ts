/**
 * A model card (README.md) → benchmark results: the front matter's model-index when it yields a
 * benchmark the alias table knows, else the evaluation tables of the body. Everything that was
 * not taken is accounted for (unknown labels, duplicates, problems), so nothing is dropped
 * silently. Pure: main.ts fetches the card and hands the text here.
 */
import { readModelIndex, splitFrontMatter } from "./model-index";
import { resolveScores, type CardScore, type Resolution } from "./scores";
import { readTables } from "./tables";

export interface CardInput {
  /** How the card may title this model's table column: repo name, registry name and id. */
  names: string[];
  /** Benchmark names of the registry being enriched. */
  catalog: readonly string[];
}

export interface CardExtraction extends Resolution {
  origin: "model-index" | "tables" | "none";
  /** License from the front matter, when it states one. */
  license: string | null;
}

export type { CardScore };

/** True when a "card" is really an HTML page (a login wall, an error page). */
export function looksLikeHtml(text: string): boolean {
  return /^\s*(<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])/i.test(text);
}

export function parseCard(card: string, input: CardInput): CardExtraction {
  const front = splitFrontMatter(card);
  const license = typeof front.data?.license === "string" ? front.data.license : null;
  const index = front.data ? readModelIndex(front.data) : { scores: [], problems: [], present: false };
  const fromIndex = resolveScores(index.scores, input.catalog);
  const problems = [...front.problems, ...index.problems, ...fromIndex.problems];
  if (fromIndex.scores.length > 0) return { ...fromIndex, problems, origin: "model-index", license };

  const tables = readTables(front.body, input.names);
  const fromTables = resolveScores(tables.scores, input.catalog);
  const merged: Resolution = {
    scores: fromTables.scores,
    unknown: [...fromIndex.unknown, ...fromTables.unknown],
    duplicates: fromTables.duplicates,
    problems: [...problems, ...tables.problems, ...fromTables.problems],
  };
  if (fromTables.scores.length > 0) return { ...merged, origin: "tables", license };
  if (!index.present && tables.scores.length === 0) merged.problems.push("no model-index and no evaluation table with a known benchmark");
  return { ...merged, origin: "none", license };
}
