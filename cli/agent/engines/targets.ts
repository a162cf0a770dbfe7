/**
 * The engines the agent reads, from `--engine URL[#kind=K&gpus=I,J]` (repeatable). The fragment
 * never leaves the agent (HTTP does not send it), so it carries the agent's own options:
 *   kind=vllm|sglang|tgi|llamacpp|ollama  skip auto-detection (else: metric prefixes in /metrics,
 *                                         then Ollama's /api/ps);
 *   gpus=0,1                              nvidia-smi indices of the GPUs the engine uses (else
 *                                         unknown: any GPU of the node).
 * Without --engine the node endpoint (--node-endpoint) is read; --no-engines reads none.
 */
import { UsageError } from "../../shared/args";
import { ENGINE_KINDS, type EngineKind } from "../../../src/telemetry/engines/schema";

export interface EngineTarget {
  /** Base URL without fragment or trailing slash; paths like /metrics are appended. */
  url: string;
  kind: EngineKind | null;
  gpus: number[] | null;
}

/** Most engines one snapshot carries (SnapshotSchema.engines). */
export const MAX_ENGINES = 16;

function isKind(value: string): value is EngineKind {
  return (ENGINE_KINDS as readonly string[]).includes(value);
}

function gpuList(raw: string, flag: string): number[] {
  const parts = raw.split(",").map((s) => s.trim());
  const gpus = parts.map((p) => (/^\d{1,4}$/.test(p) ? Number(p) : Number.NaN));
  if (parts.length === 0 || gpus.some((g) => !Number.isInteger(g) || g > 1023)) throw new UsageError(`${flag}: gpus must be nvidia-smi indices like 0,1, got '${raw}'`);
  if (new Set(gpus).size !== gpus.length) throw new UsageError(`${flag}: gpus lists an index twice ('${raw}')`);
  return gpus;
}

/** One --engine value. Throws UsageError naming what is wrong. */
export function parseEngineFlag(raw: string): EngineTarget {
  const flag = `--engine ${raw}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${flag}: not a URL (expected http://HOST:PORT[#kind=K&gpus=0,1])`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${flag}: must be an http(s) URL`);
  if (url.username || url.password) throw new UsageError(`${flag}: credentials in the URL are not supported`);
  if (url.search) throw new UsageError(`${flag}: a base URL takes no query ('?…'); /metrics and /v1/models are appended to it`);
  const options = new URLSearchParams(url.hash.slice(1));
  let kind: EngineKind | null = null;
  let gpus: number[] | null = null;
  for (const [key, value] of options) {
    if (key === "kind") {
      if (!isKind(value)) throw new UsageError(`${flag}: kind must be one of ${ENGINE_KINDS.join(", ")}, got '${value}'`);
      kind = value;
    } else if (key === "gpus") {
      gpus = gpuList(value, flag);
    } else {
      throw new UsageError(`${flag}: unknown option '${key}' after '#' (kind= or gpus=)`);
    }
  }
  url.hash = "";
  return { url: url.toString().replace(/\/+$/, ""), kind, gpus };
}

/** The engines to read: --engine values, else the node endpoint, else none. */
export function engineTargets(flags: string[] | undefined, endpoint: string | null, none: boolean): EngineTarget[] {
  if (none) {
    if (flags?.length) throw new UsageError("--no-engines and --engine exclude each other");
    return [];
  }
  if (!flags?.length) return endpoint ? [{ url: endpoint.replace(/\/+$/, ""), kind: null, gpus: null }] : [];
  if (flags.length > MAX_ENGINES) throw new UsageError(`--engine: at most ${MAX_ENGINES} engines per node`);
  const targets = flags.map(parseEngineFlag);
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(t.url)) throw new UsageError(`--engine ${t.url} is given twice`);
    seen.add(t.url);
  }
  return targets;
}
