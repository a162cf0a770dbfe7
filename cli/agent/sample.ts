/**
 * One sample of the node: nvidia-smi's output (run, or read from --from-file) parsed by the shared
 * parser into a snapshot. Running nvidia-smi uses the cheap `--query-gpu` CSV; when a GPU reports
 * MIG enabled, the same tick also runs `-q -x`, the only output that lists MIG devices.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { ParseError, parseNvidiaSmi, type NvidiaSmiReading } from "../../src/telemetry/nvidia-smi";
import type { EngineInput } from "../../src/telemetry/engines/schema";
import { SNAPSHOT_SCHEMA_VERSION, SnapshotSchema, type Snapshot } from "../../src/telemetry/snapshot";
import { describeRunFailure, describeUnreadable, type ToolRun } from "./diagnose";
import type { AgentOptions } from "./options";
import { AGENT_VERSION } from "./version";

/** The `--query-gpu` fields the agent asks for; every one is read by src/telemetry/nvidia-smi/fields.ts. */
export const QUERY_FIELDS = [
  "index", "uuid", "name", "memory.total", "memory.used", "memory.free", "memory.reserved",
  "utilization.gpu", "utilization.memory", "temperature.gpu", "power.draw", "enforced.power.limit",
  "pstate", "clocks_event_reasons.active", "ecc.errors.uncorrected.volatile.total", "mig.mode.current",
];

/**
 * nvidia-smi could not be run, or printed something that is not its output. The message can span
 * several lines: the failure, the quoted output, and a hint for well-known failures.
 */
export class SampleError extends Error {
  override readonly name = "SampleError";
}

/** Runs nvidia-smi; any failure becomes a SampleError quoting what it printed (diagnose.ts). */
function run(binary: string, args: string[], label: string, timeoutMs: number): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const result: ToolRun = { command: `${binary} ${label}`, status: 0, signal: null, stdout, stderr, spawnError: null, timedOutAfterMs: null, stoppedBecause: null };
      if (!error) return resolve(result);
      const { code, syscall } = error as { code?: unknown; syscall?: unknown };
      const spawnFailed = typeof syscall === "string" && syscall.startsWith("spawn");
      const failed: ToolRun = {
        ...result,
        status: typeof code === "number" ? code : null,
        signal: error.signal ?? null,
        spawnError: spawnFailed ? String(code) : null,
        // Node kills the child for --timeout (killed, no code) and for output beyond maxBuffer (a string code).
        timedOutAfterMs: error.killed && typeof code !== "string" ? timeoutMs : null,
        stoppedBecause: !spawnFailed && typeof code === "string" ? error.message : null,
      };
      reject(new SampleError(describeRunFailure(failed)));
    });
  });
}

function parse(text: string, options: Pick<AgentOptions, "format" | "fields">, source: string, ran: ToolRun | null): NvidiaSmiReading {
  try {
    return parseNvidiaSmi(text, { format: options.format ?? undefined, fields: options.fields ?? undefined });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const line = error instanceof ParseError ? error.line : undefined;
    throw new SampleError(describeUnreadable(source, text, message, line, ran));
  }
}

/** Runs nvidia-smi and parses what it printed on stdout. */
async function sampleTool(options: AgentOptions, args: string[], label: string, how: Pick<AgentOptions, "format" | "fields">): Promise<NvidiaSmiReading> {
  const ran = await run(options.nvidiaSmi, args, label, options.timeoutMs);
  return parse(ran.stdout, how, ran.command, ran);
}

/** Reads the GPUs: from --from-file (re-read every tick, so edits show up) or from nvidia-smi. */
export async function readGpus(options: AgentOptions): Promise<NvidiaSmiReading> {
  if (options.fromFile !== null) {
    let text: string;
    try {
      text = await readFile(options.fromFile, "utf8");
    } catch (error) {
      throw new SampleError(`cannot read ${options.fromFile}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return parse(text, options, options.fromFile, null);
  }
  const xml = { format: "xml", fields: null } as const;
  if (options.format === "xml") return sampleTool(options, ["-q", "-x"], "-q -x", xml);
  const query = [`--query-gpu=${QUERY_FIELDS.join(",")}`, "--format=csv,noheader,nounits"];
  const reading = await sampleTool(options, query, `--query-gpu=<${QUERY_FIELDS.length} fields> --format=csv,noheader,nounits`, { format: "csv", fields: QUERY_FIELDS });
  if (!reading.gpus.some((g) => g.mig_mode === "enabled")) return reading;
  return sampleTool(options, ["-q", "-x"], "-q -x", xml);
}

/**
 * Sequence numbers are the clock in milliseconds, bumped past the previous one: they grow across
 * restarts without a state file, as long as the node's clock does not jump back by more than the
 * restart took.
 */
export function nextSeq(previous: number, now_ms: number): number {
  return Math.max(previous + 1, Math.floor(now_ms));
}

/** A validated snapshot of the node at `now_ms`, with the engines read alongside (engines/). */
export function buildSnapshot(reading: NvidiaSmiReading, options: AgentOptions, seq: number, now_ms: number, engines: EngineInput[] = []): Snapshot {
  const parsed = SnapshotSchema.safeParse({
    schema_version: SNAPSHOT_SCHEMA_VERSION,
    agent_version: AGENT_VERSION,
    agent_id: options.agentId,
    node: options.nodeName,
    endpoint: options.endpoint,
    models: options.models,
    seq,
    taken_at: new Date(now_ms).toISOString(),
    driver_version: reading.driver_version,
    cuda_version: reading.cuda_version,
    gpus: reading.gpus,
    engines,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SampleError(`the snapshot is invalid at ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}
