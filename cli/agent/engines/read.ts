/**
 * Reads one serving engine: GET /metrics and GET /v1/models at once (Ollama: GET /api/ps), then
 * the kind (given, or detected from metric prefixes, else from /api/ps answering), the served
 * names and the load. Never throws: whatever fails makes the affected fields unknown and adds a
 * note naming the URL, the status or parse error and the first bytes of the body.
 */
import type { EngineInput, EngineKind } from "../../../src/telemetry/engines/schema";
import { FetchError, getBounded, quote } from "./http";
import { detectKind, loadFrom, unknownLoad, type EngineLoad } from "./load";
import { ExpositionError, parseExposition, type Exposition } from "./prometheus";
import { ServedError, servedFromOllama, servedFromOpenAi, type Served } from "./served";
import type { EngineTarget } from "./targets";

/** Body limits, checked while streaming: vLLM with many LoRA adapters serves a few hundred KiB. */
export const MAX_METRICS_BYTES = 4 * 1024 * 1024;
export const MAX_JSON_BYTES = 1024 * 1024;

/** What the agent remembers of an engine between reads, so a failed read still says what it is. */
export interface EngineMemory {
  kind: EngineKind | null;
  models: string[] | null;
}

export interface EngineRead {
  /** null when the kind is still unknown (never read successfully, no kind= given): nothing to send. */
  engine: EngineInput | null;
  notes: string[];
}

type Body = { text: string } | { why: string };

async function get(url: string, timeoutMs: number, maxBytes: number): Promise<Body & { status?: number }> {
  try {
    const { status, text } = await getBounded(url, timeoutMs, maxBytes);
    if (status !== 200) return { why: `HTTP ${status}, body ${quote(text)}`, status };
    return { text };
  } catch (error) {
    return { why: error instanceof FetchError ? error.message : String(error) };
  }
}

function exposition(body: Body): { exposition: Exposition } | { why: string } {
  if ("why" in body) return body;
  try {
    return { exposition: parseExposition(body.text) };
  } catch (error) {
    if (error instanceof ExpositionError) return { why: `not Prometheus text (${error.message}), body starts ${quote(body.text)}` };
    throw error;
  }
}

function served(body: Body, parse: (text: string) => Served): Served | { why: string } {
  if ("why" in body) return body;
  try {
    return parse(body.text);
  } catch (error) {
    if (error instanceof ServedError) return { why: `${error.message}, body starts ${quote(body.text)}` };
    throw error;
  }
}

/** Ollama has no load metrics: what is loaded is all it says (documented, so no note). */
const OLLAMA_LOAD: EngineLoad = { running: null, waiting: null, kv_cache_usage: null, requests_total: null, notes: [] };

function finish(target: EngineTarget, memory: EngineMemory, kind: EngineKind, names: Served | { why: string }, source: string, load: EngineLoad, notes: string[], readAt: string): EngineRead {
  memory.kind = kind;
  let models: string[];
  if ("why" in names) {
    models = memory.models ?? [];
    notes.push(`${source}: ${names.why}; models: ${memory.models ? `the last list read (${models.length})` : "none read yet, sent as []"}`);
  } else {
    models = names.models;
    notes.push(...names.notes);
    memory.models = models;
  }
  notes.push(...load.notes);
  const engine: EngineInput = {
    kind,
    mode: kind === "ollama" ? "on_demand" : "fixed",
    models,
    gpus: target.gpus,
    running: load.running,
    waiting: load.waiting,
    kv_cache_usage: load.kv_cache_usage,
    requests_total: load.requests_total,
    read_at: readAt,
  };
  return { engine, notes };
}

/** Reads `target` now; `memory` keeps what was learned (kind, models) for the next read. */
export async function readEngine(target: EngineTarget, memory: EngineMemory, timeoutMs: number): Promise<EngineRead> {
  const at = (path: string) => `${target.url}${path}`;
  const readAt = new Date().toISOString();
  const readPs = async () => served(await get(at("/api/ps"), timeoutMs, MAX_JSON_BYTES), servedFromOllama);
  if ((target.kind ?? memory.kind) === "ollama") return finish(target, memory, "ollama", await readPs(), at("/api/ps"), OLLAMA_LOAD, [], readAt);

  const [metricsBody, modelsBody] = await Promise.all([get(at("/metrics"), timeoutMs, MAX_METRICS_BYTES), get(at("/v1/models"), timeoutMs, MAX_JSON_BYTES)]);
  const parsed = exposition(metricsBody);
  const detected = "exposition" in parsed ? detectKind(parsed.exposition) : null;
  const notes: string[] = [];
  if (target.kind !== null && detected !== null && detected !== target.kind) notes.push(`kind=${target.kind} was given but ${at("/metrics")} looks like ${detected}`);
  const kind = target.kind ?? detected ?? memory.kind;
  if (kind === null || kind === "ollama") {
    // No Prometheus engine answered: an Ollama server answers /api/ps instead.
    const ps = await readPs();
    if (!("why" in ps)) return finish(target, memory, "ollama", ps, at("/api/ps"), OLLAMA_LOAD, notes, readAt);
    const why = "why" in parsed ? parsed.why : "no vllm:, sglang:, tgi_ or llamacpp: metrics";
    return { engine: null, notes: [`${at("/metrics")}: ${why}; ${at("/api/ps")}: ${ps.why}; not sent until its kind is known (or give #kind=… in --engine)`] };
  }
  const load = "exposition" in parsed ? loadFrom(kind, parsed.exposition) : unknownLoad(`${at("/metrics")}: ${parsed.why}`);
  return finish(target, memory, kind, served(modelsBody, servedFromOpenAi), at("/v1/models"), load, notes, readAt);
}
