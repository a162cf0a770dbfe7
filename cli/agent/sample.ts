/**
 * One sample of the node: nvidia-smi's output (run, or read from --from-file) parsed by the shared
 * parser into a snapshot. Running nvidia-smi uses the cheap `--query-gpu` CSV; when a GPU reports
 * MIG enabled, the same tick also runs `-q -x`, the only output that lists MIG devices.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { parseNvidiaSmi, type NvidiaSmiReading } from "../../src/telemetry/nvidia-smi";
import { SnapshotSchema, type Snapshot } from "../../src/telemetry/snapshot";
import type { AgentOptions } from "./options";

/** The `--query-gpu` fields the agent asks for; every one is read by src/telemetry/nvidia-smi/fields.ts. */
export const QUERY_FIELDS = [
  "index", "uuid", "name", "memory.total", "memory.used", "memory.free", "memory.reserved",
  "utilization.gpu", "utilization.memory", "temperature.gpu", "power.draw", "enforced.power.limit",
  "pstate", "clocks_event_reasons.active", "ecc.errors.uncorrected.volatile.total", "mig.mode.current",
];

/** nvidia-smi could not be run, or printed something that is not its output. */
export class SampleError extends Error {
  override readonly name = "SampleError";
}

function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new SampleError(`${command} ${args[0]} failed: ${(stderr || error.message).trim().split("\n")[0]}`));
      else resolve(stdout);
    });
  });
}

function parse(text: string, options: Pick<AgentOptions, "format" | "fields">, source: string): NvidiaSmiReading {
  try {
    return parseNvidiaSmi(text, { format: options.format ?? undefined, fields: options.fields ?? undefined });
  } catch (error) {
    throw new SampleError(`${source}: ${error instanceof Error ? error.message : String(error)}`);
  }
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
    return parse(text, options, options.fromFile);
  }
  if (options.format === "xml") return parse(await run(options.nvidiaSmi, ["-q", "-x"], options.timeoutMs), { format: "xml", fields: null }, "nvidia-smi -q -x");
  const csv = await run(options.nvidiaSmi, [`--query-gpu=${QUERY_FIELDS.join(",")}`, "--format=csv,noheader,nounits"], options.timeoutMs);
  const reading = parse(csv, { format: "csv", fields: QUERY_FIELDS }, "nvidia-smi --query-gpu");
  if (!reading.gpus.some((g) => g.mig_mode === "enabled")) return reading;
  return parse(await run(options.nvidiaSmi, ["-q", "-x"], options.timeoutMs), { format: "xml", fields: null }, "nvidia-smi -q -x");
}

/**
 * Sequence numbers are the clock in milliseconds, bumped past the previous one: they grow across
 * restarts without a state file, as long as the node's clock does not jump back by more than the
 * restart took.
 */
export function nextSeq(previous: number, now_ms: number): number {
  return Math.max(previous + 1, Math.floor(now_ms));
}

/** A validated snapshot of the node at `now_ms`. */
export function buildSnapshot(reading: NvidiaSmiReading, options: AgentOptions, seq: number, now_ms: number): Snapshot {
  const parsed = SnapshotSchema.safeParse({
    agent_id: options.agentId,
    node: options.nodeName,
    endpoint: options.endpoint,
    models: options.models,
    seq,
    taken_at: new Date(now_ms).toISOString(),
    driver_version: reading.driver_version,
    cuda_version: reading.cuda_version,
    gpus: reading.gpus,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SampleError(`the snapshot is invalid at ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}
