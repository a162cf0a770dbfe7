/**
 * The `--query-gpu` fields the CSV reader understands, under every name nvidia-smi accepts or
 * prints for them (the header prints canonical names, e.g. `clocks.current.sm` for `clocks.sm`).
 * Fields not listed here are skipped, so extra or newer columns never break a parse.
 */
import { THROTTLE_REASON_BITS, type GpuReading } from "./gpu";
import { ParseError, readCount, readMode, readNumber, readText, isUnknown, clip, type CellAt } from "./values";

/** Several fields can feed one reading (power.draw vs power.draw.average); the lowest rank wins. */
export interface FieldDef {
  target: keyof GpuReading;
  rank: number;
  read: (raw: string, at: CellAt) => GpuReading[keyof GpuReading];
}

const mib = (raw: string, at: CellAt) => readNumber(raw, "MiB", at);
const pct = (raw: string, at: CellAt) => readNumber(raw, "%", at);
const watts = (raw: string, at: CellAt) => readNumber(raw, "W", at);

function field(target: keyof GpuReading, read: FieldDef["read"], rank = 0): FieldDef {
  return { target, rank, read };
}

/** `clocks_event_reasons.active`: a hex bitmask of NVML reasons → their names. */
function reasonMask(raw: string, at: CellAt): string[] | null {
  if (isUnknown(raw)) return null;
  const text = raw.trim();
  if (!/^0x[0-9a-fA-F]{1,16}$/.test(text)) throw new ParseError({ ...at, message: `expected a hex bitmask like 0x0000000000000004, got '${clip(raw)}'` });
  const low = parseInt(text.slice(-8), 16);
  return THROTTLE_REASON_BITS.filter(([bit]) => (low & bit) !== 0).map(([, name]) => name);
}

const FIELDS: Array<[string[], FieldDef]> = [
  [["index"], field("index", (raw, at) => readCount(raw, at))],
  [["uuid", "gpu_uuid"], field("uuid", readText)],
  [["name", "gpu_name"], field("name", readText)],
  [["memory.total"], field("memory_total_mb", mib)],
  [["memory.used"], field("memory_used_mb", mib)],
  [["memory.free"], field("memory_free_mb", mib)],
  [["memory.reserved"], field("memory_reserved_mb", mib)],
  [["utilization.gpu"], field("utilization_gpu_pct", pct)],
  [["utilization.memory"], field("utilization_memory_pct", pct)],
  [["temperature.gpu"], field("temperature_c", (raw, at) => readNumber(raw, "C", at))],
  [["power.draw"], field("power_draw_w", watts, 0)],
  [["power.draw.average", "gpu.power.draw.average"], field("power_draw_w", watts, 1)],
  [["power.draw.instant", "gpu.power.draw.instant"], field("power_draw_w", watts, 2)],
  [["enforced.power.limit", "gpu.power.current_limit"], field("power_limit_w", watts, 0)],
  [["power.limit", "gpu.power.requested_limit"], field("power_limit_w", watts, 1)],
  [["pstate"], field("pstate", readText)],
  [["clocks_event_reasons.active", "clocks_throttle_reasons.active"], field("throttle_reasons", reasonMask)],
  [["ecc.errors.uncorrected.volatile.total"], field("ecc_errors_uncorrected", (raw, at) => readCount(raw, at))],
  [["mig.mode.current"], field("mig_mode", readMode)],
];

const BY_NAME = new Map<string, FieldDef>(FIELDS.flatMap(([names, def]) => names.map((n) => [n, def] as const)));

/** The definition for a header or field-list name, or undefined for fields we skip. */
export function fieldDef(name: string): FieldDef | undefined {
  return BY_NAME.get(name.trim().toLowerCase());
}
