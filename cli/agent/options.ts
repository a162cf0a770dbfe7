/**
 * The agent's flags, shared by `run`, `once` and `parse`, turned into one validated AgentOptions.
 * Durations accept 500ms, 5s, 1m or a bare number of seconds.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { UsageError, httpUrl, parseCommandLine } from "../shared/args";
import { AgentIdSchema, EndpointSchema, NodeNameSchema } from "../../src/telemetry/snapshot";
import type { NvidiaSmiFormat } from "../../src/telemetry/nvidia-smi";
import { DEFAULT_ENGINE_TIMEOUT_MS, engineTargets, type EngineTarget } from "./engines";

export const FLAGS = {
  url: { type: "string" },
  "agent-id": { type: "string" },
  "key-file": { type: "string" },
  interval: { type: "string" },
  "node-name": { type: "string" },
  "node-endpoint": { type: "string" },
  models: { type: "string" },
  "from-file": { type: "string" },
  "nvidia-smi": { type: "string" },
  format: { type: "string" },
  fields: { type: "string" },
  timeout: { type: "string" },
  "max-backoff": { type: "string" },
  engine: { type: "string", multiple: true },
  "no-engines": { type: "boolean" },
  "engine-timeout": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export interface AgentOptions {
  url: string | null;
  agentId: string;
  key: string | null;
  intervalMs: number;
  nodeName: string;
  endpoint: string | null;
  models: string[];
  fromFile: string | null;
  nvidiaSmi: string;
  format: NvidiaSmiFormat | null;
  fields: string[] | null;
  timeoutMs: number;
  maxBackoffMs: number;
  /** Serving engines to read (engines/targets.ts); [] = GPU telemetry only. */
  engines: EngineTarget[];
  engineTimeoutMs: number;
}

/** Default --interval: one push per node every 5 s (docs/deploy.md counts what that costs). */
export const DEFAULT_INTERVAL_MS = 5000;

/** "5s", "500ms", "2m", "5" (seconds) → milliseconds. */
export function duration(raw: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  if (!match) throw new UsageError(`${flag} must be a duration like 5s, 500ms or 1m, got '${raw}'`);
  const value = Number(match[1]);
  return Math.round(match[2] === "ms" ? value : match[2] === "m" ? value * 60_000 : value * 1000);
}

/** This machine's name, made into a valid node name. */
export function defaultNodeName(): string {
  const name = hostname().replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[^A-Za-z0-9]+/, "").slice(0, 64);
  return name || "node";
}

function checked<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ message: string }> } } }, raw: string, flag: string): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${flag}: ${parsed.error.issues[0]?.message ?? "invalid"} (got '${raw}')`);
  return parsed.data;
}

function list(raw: string | undefined): string[] {
  return (raw ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
}

type Values = ReturnType<typeof parseCommandLine<typeof FLAGS>>["values"];

/** Validates flags; `needsPush` makes --url, --agent-id and --key-file required. */
export function agentOptions(values: Values, needsPush: boolean): AgentOptions {
  if (needsPush) {
    for (const flag of ["url", "agent-id", "key-file"] as const) if (!values[flag]) throw new UsageError(`--${flag} is required`);
  }
  let key: string | null = null;
  if (values["key-file"]) {
    try {
      key = readFileSync(values["key-file"], "utf8").trim();
    } catch (error) {
      throw new UsageError(`--key-file: cannot read '${values["key-file"]}' (${error instanceof Error ? error.message : String(error)})`);
    }
    if (key === "") throw new UsageError(`--key-file: '${values["key-file"]}' is empty`);
  }
  const format = values.format ?? null;
  if (format !== null && format !== "csv" && format !== "xml") throw new UsageError(`--format must be csv or xml, got '${format}'`);
  const intervalMs = values.interval ? duration(values.interval, "--interval") : DEFAULT_INTERVAL_MS;
  // KV takes about one write per second per key: pushing faster would only be throttled.
  if (intervalMs < 1000) throw new UsageError("--interval must be at least 1s");
  const endpoint = values["node-endpoint"] ? checked(EndpointSchema, values["node-endpoint"], "--node-endpoint") : null;
  // An engine read must end well before the next sample is due.
  const engineTimeoutMs = values["engine-timeout"] ? duration(values["engine-timeout"], "--engine-timeout") : Math.min(DEFAULT_ENGINE_TIMEOUT_MS, intervalMs / 2);
  if (engineTimeoutMs < 1 || engineTimeoutMs >= intervalMs) throw new UsageError(`--engine-timeout must be above 0 and below --interval (${intervalMs / 1000}s)`);
  return {
    url: values.url ? httpUrl(values.url, "--url") : null,
    agentId: values["agent-id"] ? checked(AgentIdSchema, values["agent-id"], "--agent-id") : "local",
    key,
    intervalMs,
    nodeName: values["node-name"] ? checked(NodeNameSchema, values["node-name"], "--node-name") : defaultNodeName(),
    endpoint,
    models: list(values.models),
    fromFile: values["from-file"] ?? null,
    nvidiaSmi: values["nvidia-smi"] ?? "nvidia-smi",
    format,
    fields: values.fields ? list(values.fields) : null,
    timeoutMs: duration(values.timeout ?? "10s", "--timeout"),
    maxBackoffMs: duration(values["max-backoff"] ?? "60s", "--max-backoff"),
    engines: engineTargets(values.engine, endpoint, values["no-engines"] ?? false),
    engineTimeoutMs,
  };
}
