/**
 * Why a GPU can or cannot take work, in words, for GET /v1/fleet. The rule is the kernel's
 * (assembly/place.ts, src/kernel/reference.ts): healthy = temperature and utilization both known
 * and below the registry's thresholds; fresh = snapshot younger than stale_after_s. This module
 * only explains it; routing never calls it.
 */
import type { FleetGpu, FleetNode } from "../kernel/types";
import type { RegistryConfig } from "../registry/schema";

export type GpuProblemCode = "temperature_unknown" | "too_hot" | "utilization_unknown" | "too_busy" | "free_memory_unknown";

export interface GpuProblem {
  code: GpuProblemCode;
  detail: string;
}

type GpuThresholds = RegistryConfig["gpu"];

/** Health problems of one GPU; [] = healthy. free_memory_unknown does not make a GPU unhealthy but keeps it unplaceable. */
export function gpuProblems(gpu: FleetGpu, thresholds: GpuThresholds): GpuProblem[] {
  const problems: GpuProblem[] = [];
  if (gpu.temperature_c === null) problems.push({ code: "temperature_unknown", detail: "nvidia-smi reported no temperature" });
  else if (!(gpu.temperature_c < thresholds.max_temperature_c)) {
    problems.push({ code: "too_hot", detail: `${gpu.temperature_c} °C, limit below ${thresholds.max_temperature_c} °C` });
  }
  if (gpu.utilization_pct === null) problems.push({ code: "utilization_unknown", detail: "nvidia-smi reported no utilization" });
  else if (!(gpu.utilization_pct < thresholds.max_utilization_pct)) {
    problems.push({ code: "too_busy", detail: `${gpu.utilization_pct} % busy, limit below ${thresholds.max_utilization_pct} %` });
  }
  if (gpu.memory_free_mb === null) problems.push({ code: "free_memory_unknown", detail: "nvidia-smi reported no free memory" });
  return problems;
}

/** Healthy in the kernel's sense: only temperature and utilization count. */
export function isHealthy(problems: readonly GpuProblem[]): boolean {
  return !problems.some((p) => p.code !== "free_memory_unknown");
}

/** Seconds since the node's snapshot was taken (negative clock skew reads as 0). */
export function ageSeconds(node: FleetNode, now_ms: number): number {
  return Math.max(0, Math.round((now_ms - node.taken_at_ms) / 100) / 10);
}

/** The kernel's freshness rule: younger than stale_after_s. */
export function isStale(node: FleetNode, now_ms: number, thresholds: GpuThresholds): boolean {
  return !(now_ms - node.taken_at_ms < thresholds.stale_after_s * 1000);
}
