/**
 * One sample of the node: nvidia-smi and the serving engines read concurrently (an engine read
 * is bounded by its own timeout, so a slow engine delays the sample by at most that), then one
 * validated snapshot. An engine that fails is still sent with its load unknown (read.ts); a
 * failed nvidia-smi fails the sample as before (SampleError).
 */
import type { Snapshot } from "../../../src/telemetry/snapshot";
import type { AgentOptions } from "../options";
import { buildSnapshot, readGpus } from "../sample";
import type { EngineReader } from "./index";

export async function sampleNode(options: AgentOptions, engines: EngineReader, seq: number, now_ms: number): Promise<Snapshot> {
  const [reading, read] = await Promise.all([readGpus(options), engines.read()]);
  const indices = new Set(reading.gpus.map((g) => g.index));
  return buildSnapshot(reading, options, seq, now_ms, engines.fitGpus(read, indices));
}
