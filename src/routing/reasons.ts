/**
 * Rejection bit flags from the kernel → names and one readable sentence per model, for
 * `explain: true` and for the 422/503 problem bodies.
 */
import * as L from "../../assembly/layout";
import type { Model, Registry } from "../registry/schema";
import type { KernelRejection, KernelRequest } from "../kernel/types";
import type { Rejection } from "./schema";

const REASONS: Array<[number, string]> = [
  [L.REJECT_MEMORY, "memory"],
  [L.REJECT_CONTEXT, "context"],
  [L.REJECT_PARAMS, "params"],
  [L.REJECT_NOT_ALLOWED, "not_allowed"],
  [L.REJECT_DENIED, "denied"],
  [L.REJECT_MIN_SCORE, "min_score"],
  [L.REJECT_PRECISION, "precision"],
  [L.REJECT_NO_GPU, "no_gpu"],
];

export function reasonNames(bits: number): string[] {
  return REASONS.filter(([bit]) => (bits & bit) !== 0).map(([, name]) => name);
}

function sentence(name: string, model: Model, request: KernelRequest, registry: Registry): string {
  const c = request.constraints;
  const precision = c.precision ?? model.default_precision;
  const memory = model.memory_mb[precision];
  switch (name) {
    case "memory":
      return `needs ${memory} MiB at ${precision}, above max_memory_mb ${c.max_memory_mb}`;
    case "context":
      if (model.context_length !== null) return `context length ${model.context_length} below min_context ${c.min_context}`;
      return registry.config.default_context_length === undefined
        ? `context length unknown, min_context is ${c.min_context}`
        : `context length unknown (taken as default_context_length ${registry.config.default_context_length}), below min_context ${c.min_context}`;
    case "params":
      return `${model.params_b}B parameters, above max_params_b ${c.max_params_b}`;
    case "not_allowed":
      return "not in allow_models";
    case "denied":
      return "in deny_models";
    case "min_score":
      return `total score below min_score ${c.min_score}`;
    case "precision":
      return `no ${precision} build (memory_mb.${precision} is not set)`;
    default:
      return `no healthy GPU has ${(memory ?? 0) + registry.config.gpu.memory_headroom_mb} MiB free (model + headroom), nor serves it with room`;
  }
}

export function describeRejections(rejected: KernelRejection[], request: KernelRequest, registry: Registry, byId: Map<string, Model>): Rejection[] {
  return rejected.map((r) => {
    const model = byId.get(r.model)!;
    const reasons = reasonNames(r.reasons);
    return { model: r.model, category: r.category, reasons, detail: reasons.map((n) => sentence(n, model, request, registry)).join("; ") };
  });
}
