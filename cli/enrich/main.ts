/**
 * `enrich`: for each model of a registry (or each --model), fetch its card and Hub record, read
 * the benchmark results, merge them (merge.ts has the precedence), validate the result with the
 * worker's validateRegistry and write it atomically. One model's failure is recorded and the run
 * goes on. index.ts runs main; tests import it.
 */
import { readFile } from "node:fs/promises";
import { BENCHMARK_ALIASES } from "../../src/registry/benchmark-aliases";
import type { Model, Registry } from "../../src/registry/schema";
import { validateRegistry } from "../../src/registry/validation";
import { UsageError } from "../shared/args";
import { jsonIndent, writeFileAtomic } from "../shared/files";
import type { CliIo } from "../shared/io";
import { mapLimit } from "../shared/pool";
import { Progress } from "../shared/progress";
import { readApiRecord, readConfig } from "./api-record";
import { looksLikeHtml, parseCard } from "./card";
import { DirHub, HttpHub, type Hub } from "./hub";
import { mergeModel } from "./merge";
import { HELP, isRepoId, parseOptions, type EnrichOptions } from "./options";
import { outcomeLine, renderText, summarize, type ModelOutcome } from "./report";

const MAX_CARD_BYTES = 5 * 1024 * 1024;

export async function main(argv: string[], io: CliIo): Promise<number> {
  let options: EnrichOptions;
  let registry: Registry | null;
  let registryText = "";
  try {
    options = parseOptions(argv);
    if (options.help) {
      io.stdout.write(HELP);
      return 0;
    }
    ({ registry, text: registryText } = await loadRegistry(options.registryPath));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`enrich: ${error.message}\n(see --help)\n`);
    return 2;
  }

  const targets = selectTargets(registry, options.models);
  if (typeof targets === "string") {
    io.stderr.write(`enrich: ${targets}\n`);
    return 2;
  }
  const hub: Hub = options.fromDir !== null
    ? new DirHub(options.fromDir)
    : new HttpHub(options.endpoint, { timeoutMs: options.timeoutMs, retries: options.retries, maxRetryAfterS: options.maxRetryAfterS, token: io.env.HF_TOKEN || undefined, maxBytes: MAX_CARD_BYTES });
  const catalog = registry ? registry.benchmarks.map((b) => b.name) : Object.keys(BENCHMARK_ALIASES);

  const progress = new Progress(io.stderr, targets.length);
  const outcomes = await mapLimit(targets, options.concurrency, async (target) => {
    const outcome = await enrichOne(hub, target, catalog);
    progress.tick(target.hf_repo, outcomeLine(outcome));
    return outcome;
  });
  progress.finish();

  let written: string | null = null;
  let invalid: string[] = [];
  if (registry && options.registryPath) {
    const merged = mergeInto(registry, outcomes);
    const check = validateRegistry(merged);
    if (check.errors.length > 0) invalid = check.errors.map((e) => `${e.path}: ${e.message}`);
    else if (!options.dryRun && outcomes.some((o) => o.status === "updated")) {
      await writeFileAtomic(options.registryPath, JSON.stringify(merged, null, jsonIndent(registryText)) + "\n", { backup: true });
      written = options.registryPath;
    }
  }
  const summary = summarize(outcomes, { dryRun: options.dryRun, written, invalid, registry: options.registryPath });
  io.stdout.write(options.json ? JSON.stringify({ summary, models: outcomes.map(({ merged: _, ...o }) => o) }, null, 2) + "\n" : renderText(outcomes, summary));
  if (invalid.length > 0) return 3;
  return outcomes.some((o) => o.status === "failed") ? 1 : 0;
}

/** The registry to enrich, validated like any other input; null when only --model was given. */
async function loadRegistry(path: string | null): Promise<{ registry: Registry | null; text: string }> {
  if (path === null) return { registry: null, text: "" };
  let text: string;
  let doc: unknown;
  try {
    text = await readFile(path, "utf8");
    doc = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const result = validateRegistry(doc);
  if (!result.registry) {
    const lines = result.errors.slice(0, 10).map((e) => `  ${e.path}: ${e.message}`);
    throw new UsageError(`${path} is not a valid registry (run validate for the full list):\n${lines.join("\n")}`);
  }
  return { registry: result.registry, text };
}

interface Target {
  hf_repo: string;
  model: Model | null;
}

/** Registry models (all, or those named by --model), or bare repos without a registry; a string is a usage error. */
function selectTargets(registry: Registry | null, wanted: string[]): Target[] | string {
  if (!registry) return wanted.map((hf_repo) => ({ hf_repo, model: null }));
  const models = wanted.length === 0 ? registry.models : registry.models.filter((m) => wanted.some((w) => w.toLowerCase() === m.hf_repo.toLowerCase()));
  const missing = wanted.filter((w) => !registry.models.some((m) => m.hf_repo.toLowerCase() === w.toLowerCase()));
  if (missing.length > 0) return `not in the registry: ${missing.join(", ")}`;
  return models.map((model) => ({ hf_repo: model.hf_repo, model }));
}

/** One model, start to end; never throws for the model's own problems. */
async function enrichOne(hub: Hub, target: Target, catalog: readonly string[]): Promise<ModelOutcome> {
  const { hf_repo: repo, model } = target;
  const outcome: ModelOutcome = { repo, id: model?.id ?? null, status: "unchanged", origin: "none", scores: [], changes: [], unknown: [], duplicates: [], problems: [], notes: [], merged: null };
  const fail = (reason: string): ModelOutcome => ({ ...outcome, status: "failed", reason });
  if (!isRepoId(repo)) return fail(`'${repo}' is not a usable owner/name repo id`);

  const card = await hub.card(repo);
  outcome.notes.push(...card.notes);
  if (!card.ok) return fail(card.reason);
  if (/text\/html/i.test(card.contentType) || looksLikeHtml(card.text)) return fail("the card is an HTML page, not markdown (a login wall or an error page?)");

  const api = await hub.api(repo);
  outcome.notes.push(...api.notes);
  const info = api.ok ? readApiRecord(api.text) : null;
  if (!api.ok) outcome.notes.push(`no API record: ${api.reason}`);
  else if (!info) outcome.notes.push("API record is not a JSON object; ignored");
  let context = info?.context ?? null;
  if (context === null && model !== null && model.context_length === null) {
    const config = await hub.config(repo);
    outcome.notes.push(...config.notes);
    context = config.ok ? readConfig(config.text) : null;
  }

  const names = [repo.split("/")[1]!, ...(model ? [model.name, model.id] : [])];
  const extraction = parseCard(card.text, { names, catalog });
  Object.assign(outcome, { origin: extraction.origin, scores: extraction.scores, unknown: extraction.unknown, duplicates: extraction.duplicates, problems: extraction.problems });
  if (model === null) return outcome;

  const merged = mergeModel(model, { scores: extraction.scores, sourceUrl: hub.cardUrl(repo), local: hub.local, api: info, cardLicense: extraction.license, context });
  return { ...outcome, changes: merged.changes, merged: merged.model, status: changed(merged.changes) ? "updated" : "unchanged" };
}

function changed(changes: { kind: string }[]): boolean {
  return changes.some((c) => c.kind === "added" || c.kind === "updated" || c.kind === "filled");
}

/** The registry with every updated model replaced, in place, by its merged version (ids are unique: validated). */
function mergeInto(registry: Registry, outcomes: ModelOutcome[]): Registry {
  const merged = new Map(outcomes.filter((o) => o.status === "updated" && o.merged).map((o) => [o.id, o.merged!]));
  return { ...registry, models: registry.models.map((m) => merged.get(m.id) ?? m) };
}
