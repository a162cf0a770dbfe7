/**
 * One GPU as the nvidia-smi readers normalize it, as a zod schema: the agent sends these in its
 * JSON snapshot and the worker validates them with the same schema. null always means "nvidia-smi
 * did not say" ([N/A], [Not Supported], …), never zero.
 */
import { z } from "@hono/zod-openapi";

/** 16 TiB: far above any GPU's framebuffer (an H200 has 141 GiB), so only nonsense is refused. */
export const MAX_MIB = 16 * 1024 * 1024;
const MiB = z.number().min(0).max(MAX_MIB).nullable();
const Pct = z.number().min(0).max(100).nullable();
const Count = z.number().int().min(0).nullable();

type Framebuffer = { memory_total_mb: number | null; memory_used_mb: number | null; memory_free_mb: number | null; memory_reserved_mb: number | null };

/**
 * Free, used and reserved memory can each be at most the total (nvidia-smi's fb_memory_usage
 * splits the total into them). A reading above it is impossible, and routing would place models on
 * memory that does not exist (the security review placed a 161 GB model on a GPU reporting 1e9 MiB
 * free of 1,000), so it is refused, naming the field.
 */
function withinTotal(fb: Framebuffer, ctx: z.RefinementCtx): void {
  const total = fb.memory_total_mb;
  if (total === null) return;
  for (const field of ["memory_free_mb", "memory_used_mb", "memory_reserved_mb"] as const) {
    const value = fb[field];
    if (value !== null && value > total) ctx.addIssue({ code: "custom", path: [field], message: `${value} MiB is more than memory_total_mb ${total}` });
  }
}

export const MigDeviceSchema = z
  .strictObject({
    index: z.number().int().min(0).max(1023),
    gpu_instance_id: Count,
    compute_instance_id: Count,
    memory_total_mb: MiB,
    memory_used_mb: MiB,
    memory_free_mb: MiB,
    memory_reserved_mb: MiB,
  })
  .superRefine(withinTotal)
  .openapi("MigDevice", { description: "A MIG instance with its own framebuffer (MiB)" });

export const GpuReadingSchema = z
  .strictObject({
    index: z.number().int().min(0).max(1023).openapi({ description: "nvidia-smi's GPU index (its position in `-q -x` output)" }),
    uuid: z.string().min(1).max(128).nullable(),
    name: z.string().min(1).max(128).nullable(),
    memory_total_mb: MiB,
    memory_used_mb: MiB,
    memory_free_mb: MiB.openapi({ description: "memory.free as reported, never total − used" }),
    memory_reserved_mb: MiB,
    utilization_gpu_pct: Pct,
    utilization_memory_pct: Pct,
    temperature_c: z.number().min(-40).max(150).nullable().openapi({ description: "°C; outside −40…150 is a broken sensor or reading, refused" }),
    power_draw_w: z.number().min(0).max(10_000).nullable(),
    power_limit_w: z.number().min(0).max(10_000).nullable(),
    pstate: z.string().max(8).nullable(),
    throttle_reasons: z.array(z.string().max(64)).max(64).nullable().openapi({
      description: "Active clock event (throttle) reasons, e.g. sw_power_cap; [] = none active; null = unknown",
    }),
    ecc_errors_uncorrected: Count.openapi({ description: "Volatile (since driver load) uncorrected ECC errors" }),
    mig_mode: z.enum(["enabled", "disabled"]).nullable(),
    mig_devices: z.array(MigDeviceSchema).max(64),
  })
  .superRefine((gpu, ctx) => {
    withinTotal(gpu, ctx);
    gpu.mig_devices.forEach((device, i) => {
      if (gpu.memory_total_mb !== null && device.memory_total_mb !== null && device.memory_total_mb > gpu.memory_total_mb) {
        ctx.addIssue({ code: "custom", path: ["mig_devices", i, "memory_total_mb"], message: `${device.memory_total_mb} MiB is more than the GPU's memory_total_mb ${gpu.memory_total_mb}` });
      }
    });
  })
  .openapi("GpuReading");

export type MigDevice = z.infer<typeof MigDeviceSchema>;
export type GpuReading = z.infer<typeof GpuReadingSchema>;

/** What a reader returns: the GPUs in index order plus driver facts when the format carries them. */
export interface NvidiaSmiReading {
  format: "csv" | "xml";
  driver_version: string | null;
  cuda_version: string | null;
  gpus: GpuReading[];
}

/**
 * NVML's clock event reason bits (nvml.h `nvmlClocksEventReason*`), as printed in hex by
 * `clocks_event_reasons.active`; the names match the XML element suffixes.
 */
export const THROTTLE_REASON_BITS: ReadonlyArray<readonly [number, string]> = [
  [0x1, "gpu_idle"],
  [0x2, "applications_clocks_setting"],
  [0x4, "sw_power_cap"],
  [0x8, "hw_slowdown"],
  [0x10, "sync_boost"],
  [0x20, "sw_thermal_slowdown"],
  [0x40, "hw_thermal_slowdown"],
  [0x80, "hw_power_brake_slowdown"],
  [0x100, "display_clocks_setting"],
];

/** A GPU with every reading unknown; readers fill in what the input has. */
export function emptyGpu(index: number): GpuReading {
  return {
    index,
    uuid: null,
    name: null,
    memory_total_mb: null,
    memory_used_mb: null,
    memory_free_mb: null,
    memory_reserved_mb: null,
    utilization_gpu_pct: null,
    utilization_memory_pct: null,
    temperature_c: null,
    power_draw_w: null,
    power_limit_w: null,
    pstate: null,
    throttle_reasons: null,
    ecc_errors_uncorrected: null,
    mig_mode: null,
    mig_devices: [],
  };
}
