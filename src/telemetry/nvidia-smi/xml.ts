/**
 * Reader for `nvidia-smi -q -x` (schema v10–v13). The readings moved between driver versions
 * (power_readings → gpu_power_readings → average/instant_power_draw; clocks_throttle_reasons →
 * clocks_event_reasons), so each reading is looked up under all the names it has had. The GPU
 * index is the GPU's position in the log (minor_number can differ from it, see dual_a5000).
 * MIG devices sit inside <mig_devices> with their own <fb_memory_usage>; reading the tree (not
 * the text) keeps them apart from the GPU's own memory.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { emptyGpu, type GpuReading, type MigDevice, type NvidiaSmiReading } from "./gpu";
import { ParseError, readCount, readMode, readNumber, readText, isUnknown, clip } from "./values";
import { prepareXml } from "./xml-prepare";
import { child, children, text, type XmlNode } from "./xml-tree";

/** nvidia-smi nests six deep (gpu > mig_devices > mig_device > fb_memory_usage > free); anything far deeper is not its output. */
const MAX_DEPTH = 32;

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: false,
  maxNestedTags: MAX_DEPTH,
  isArray: (name) => name === "gpu" || name === "mig_device",
});

/**
 * What the XML library throws (too deep, a reserved name such as __proto__, anything it
 * rejects) is a fact about the upload, never a server fault: it becomes a ParseError (a 400).
 */
function library<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof ParseError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new ParseError({ message: `not nvidia-smi XML: ${message.slice(0, 200)}` });
  }
}

export function parseXml(raw: string): NvidiaSmiReading {
  // Declarations refused, nvidia-smi's DOCTYPE and <supported_clocks> dropped (xml-prepare.ts).
  const input = prepareXml(raw);
  const valid = library(() => XMLValidator.validate(input));
  if (valid !== true) throw new ParseError({ line: valid.err.line, message: `not well-formed XML: ${valid.err.msg}` });
  const doc: XmlNode = library(() => parser.parse(input));
  const log = child(doc, "nvidia_smi_log");
  if (log === undefined || typeof log === "string") throw new ParseError({ field: "nvidia_smi_log", message: "the root element must be <nvidia_smi_log>" });
  const gpuNodes = children(log, "gpu");
  if (gpuNodes.length === 0) throw new ParseError({ field: "nvidia_smi_log.gpu", message: "no <gpu> element: the log lists no GPUs" });
  return {
    format: "xml",
    driver_version: readText(text(log, "driver_version")),
    cuda_version: readText(text(log, "cuda_version")),
    gpus: gpuNodes.map((node, index) => readGpu(node, index)),
  };
}

/** The first path (of several historical names) that holds a value, with its dotted name. */
function first(node: XmlNode, paths: string[]): { raw: string | undefined; field: string } {
  for (const path of paths) {
    const raw = text(node, path);
    if (raw !== undefined && !isUnknown(raw)) return { raw, field: path };
  }
  return { raw: undefined, field: paths[0]! };
}

function readGpu(node: XmlNode, index: number): GpuReading {
  const at = (field: string) => ({ field: `gpu[${index}].${field}` });
  const num = (paths: string[], unit: string): number | null => {
    const { raw, field } = first(node, paths);
    return readNumber(raw, unit, at(field));
  };
  const gpu = emptyGpu(index);
  gpu.uuid = readText(text(node, "uuid"));
  gpu.name = readText(text(node, "product_name"));
  gpu.memory_total_mb = num(["fb_memory_usage.total"], "MiB");
  gpu.memory_used_mb = num(["fb_memory_usage.used"], "MiB");
  gpu.memory_free_mb = num(["fb_memory_usage.free"], "MiB");
  gpu.memory_reserved_mb = num(["fb_memory_usage.reserved"], "MiB");
  gpu.utilization_gpu_pct = num(["utilization.gpu_util"], "%");
  gpu.utilization_memory_pct = num(["utilization.memory_util"], "%");
  gpu.temperature_c = num(["temperature.gpu_temp"], "C");
  gpu.power_draw_w = num(
    ["gpu_power_readings.average_power_draw", "gpu_power_readings.power_draw", "gpu_power_readings.instant_power_draw", "power_readings.power_draw"],
    "W",
  );
  gpu.power_limit_w = num(
    ["gpu_power_readings.current_power_limit", "power_readings.enforced_power_limit", "gpu_power_readings.requested_power_limit", "power_readings.power_limit"],
    "W",
  );
  gpu.pstate = readText(text(node, "performance_state"));
  gpu.throttle_reasons = throttleReasons(node, index);
  gpu.ecc_errors_uncorrected = eccUncorrected(node, index);
  gpu.mig_mode = readMode(text(node, "mig_mode.current_mig"), at("mig_mode.current_mig"));
  gpu.mig_devices = children(child(node, "mig_devices"), "mig_device").map((d, i) => migDevice(d, index, i));
  return gpu;
}

/** Active reasons under clocks_event_reasons (v12+) or clocks_throttle_reasons; null when unknown. */
function throttleReasons(node: XmlNode, index: number): string[] | null {
  for (const [group, prefix] of [["clocks_event_reasons", "clocks_event_reason_"], ["clocks_throttle_reasons", "clocks_throttle_reason_"]] as const) {
    const reasons = child(node, group);
    if (reasons === undefined) continue;
    if (typeof reasons === "string") return null;
    const active: string[] = [];
    let known = false;
    for (const [name, value] of Object.entries(reasons)) {
      if (typeof value !== "string" || isUnknown(value)) continue;
      const state = value.trim().toLowerCase();
      if (state !== "active" && state !== "not active") {
        throw new ParseError({ field: `gpu[${index}].${group}.${name}`, message: `expected Active or Not Active, got '${clip(value)}'` });
      }
      known = true;
      if (state === "active") active.push(name.startsWith(prefix) ? name.slice(prefix.length) : name);
    }
    return known ? active : null;
  }
  return null;
}

/** Volatile uncorrectable ECC errors: the sum of every *uncorrectable* counter (v11+) or double_bit.total (v10). */
function eccUncorrected(node: XmlNode, index: number): number | null {
  const volatile = child(child(node, "ecc_errors"), "volatile");
  if (volatile === undefined || typeof volatile === "string") return null;
  const field = `gpu[${index}].ecc_errors.volatile`;
  const legacy = text(volatile, "double_bit.total");
  if (legacy !== undefined) return readCount(legacy, { field: `${field}.double_bit.total` });
  let sum: number | null = null;
  for (const [name, value] of Object.entries(volatile)) {
    if (!name.includes("uncorrectable") || typeof value !== "string") continue;
    const count = readCount(value, { field: `${field}.${name}` });
    if (count !== null) sum = (sum ?? 0) + count;
  }
  return sum;
}

function migDevice(node: XmlNode, gpuIndex: number, position: number): MigDevice {
  const at = (field: string) => ({ field: `gpu[${gpuIndex}].mig_devices.mig_device[${position}].${field}` });
  return {
    index: readCount(text(node, "index"), at("index")) ?? position,
    gpu_instance_id: readCount(text(node, "gpu_instance_id"), at("gpu_instance_id")),
    compute_instance_id: readCount(text(node, "compute_instance_id"), at("compute_instance_id")),
    memory_total_mb: readNumber(text(node, "fb_memory_usage.total"), "MiB", at("fb_memory_usage.total")),
    memory_used_mb: readNumber(text(node, "fb_memory_usage.used"), "MiB", at("fb_memory_usage.used")),
    memory_free_mb: readNumber(text(node, "fb_memory_usage.free"), "MiB", at("fb_memory_usage.free")),
    memory_reserved_mb: readNumber(text(node, "fb_memory_usage.reserved"), "MiB", at("fb_memory_usage.reserved")),
  };
}
