/**
 * How a variant narrows a route request's constraints. A variant never widens what the client
 * asked for: limits take the stricter value, allow lists intersect, deny lists unite, and a
 * precision conflict (or an empty allow list) means the variant cannot serve this request, so
 * route-with-experiment.ts falls back to normal routing and records it. Pure.
 */
import type { RouteConstraints } from "../kernel/types";
import type { Variant } from "./schema";

const min = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
const max = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined ? b : b === undefined ? a : Math.max(a, b));

/** The variant's own constraints: its model as a one-entry allow list, or its override. */
export function variantConstraints(variant: Variant): RouteConstraints {
  return variant.model !== undefined ? { allow_models: [variant.model] } : (variant.constraints ?? {});
}

/** The request's constraints narrowed by the variant's; null when the two cannot both hold. */
export function narrowConstraints(request: RouteConstraints, variant: Variant): RouteConstraints | null {
  const own = variantConstraints(variant);
  if (request.precision !== undefined && own.precision !== undefined && request.precision !== own.precision) return null;
  let allow = request.allow_models ?? own.allow_models;
  if (request.allow_models && own.allow_models) {
    const theirs = new Set(own.allow_models);
    allow = request.allow_models.filter((id) => theirs.has(id));
    if (allow.length === 0) return null;
  }
  const deny = request.deny_models || own.deny_models ? [...new Set([...(request.deny_models ?? []), ...(own.deny_models ?? [])])] : undefined;
  const narrowed: RouteConstraints = {
    max_memory_mb: min(request.max_memory_mb, own.max_memory_mb),
    min_context: max(request.min_context, own.min_context),
    max_params_b: min(request.max_params_b, own.max_params_b),
    allow_models: allow,
    deny_models: deny,
    min_score: max(request.min_score, own.min_score),
    precision: request.precision ?? own.precision,
  };
  // Drop unset keys so the decision sees exactly what a client could have sent.
  for (const key of Object.keys(narrowed) as Array<keyof RouteConstraints>) if (narrowed[key] === undefined) delete narrowed[key];
  return narrowed;
}
