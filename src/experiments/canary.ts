/**
 * Canaries on model updates: when PUT /v1/registry changes the top-ranked model of a category,
 * an A/B experiment between the previous and the new top model starts in that category, so
 * every model update is measured before it takes all the traffic. Top models come from the TS
 * reference kernel with no constraints and an empty fleet (pure ranking, no placement).
 * Called by src/registry/routes.ts after the new registry is stored.
 */
import { z } from "@hono/zod-openapi";
import type { Env } from "../env";
import { ReferenceKernel } from "../kernel/reference";
import type { Registry } from "../registry/schema";
import { RegistryStore } from "../registry/store";
import type { RoutingContext } from "../routing/context";
import type { RunningExperiments } from "./running";
import type { Experiment, ExperimentInput } from "./schema";
import { createExperiment, stopExperiment } from "./service";
import { ExperimentStore } from "./store";

export const CANARY_DEFAULTS = { enabled: true, split: [0.9, 0.1] as [number, number], min_samples: 1000, significance: 0.05 };
/** At most this many canaries per update: each costs a Durable Object call and a KV write. */
export const MAX_CANARIES = 200;
const CANARY_BATCH = 8;

export const CanarySkipSchema = z
  .object({ category: z.string(), previous: z.string().nullable(), next: z.string().nullable(), reason: z.string() })
  .openapi("CanarySkipped");

export const CanaryReportSchema = z
  .object({
    enabled: z.boolean(),
    skipped: z.array(CanarySkipSchema).openapi({ description: "Top-model changes no canary covers, with the reason" }),
    stopped: z.array(z.string()).openapi({ description: "Earlier canaries in the same categories, superseded and stopped" }),
  })
  .openapi("CanaryReport");

export interface CanaryPlan {
  category: string;
  previous: string;
  next: string;
}
export type CanarySkip = z.infer<typeof CanarySkipSchema>;

/** The top-ranked model of every category (through the fallback walk); categories with none are absent. */
export function topModels(registry: Registry): Map<string, string> {
  const kernel = new ReferenceKernel();
  kernel.loadRegistry(registry);
  const tops = new Map<string, string>();
  for (const category of registry.categories) {
    const result = kernel.route({ category: category.id, constraints: {}, top_k: 1, now_ms: 0 });
    if (result.status === "ok") tops.set(category.id, result.results[0]!.model);
  }
  return tops;
}

/** Which categories changed their top model, and which changes a canary can cover. Pure. */
export function planCanaries(previous: Registry, next: Registry): { plans: CanaryPlan[]; skipped: CanarySkip[] } {
  const before = topModels(previous);
  const after = topModels(next);
  const models = new Set(next.models.map((m) => m.id));
  const plans: CanaryPlan[] = [];
  const skipped: CanarySkip[] = [];
  for (const { id: category } of next.categories) {
    const old = before.get(category) ?? null;
    const now = after.get(category) ?? null;
    if (old === now) continue;
    if (old === null) skipped.push({ category, previous: old, next: now, reason: "no previous top model to compare with" });
    else if (now === null) skipped.push({ category, previous: old, next: now, reason: "no model serves the category any more" });
    else if (!models.has(old)) skipped.push({ category, previous: old, next: now, reason: "the previous top model was removed from the registry" });
    else plans.push({ category, previous: old, next: now });
  }
  return { plans, skipped };
}

export function canaryInput(plan: CanaryPlan, registry: Registry, id: string): ExperimentInput {
  const config = { ...CANARY_DEFAULTS, ...registry.config.canary };
  return {
    id,
    description: `canary after registry v${registry.version}: ${plan.previous} (previous top) vs ${plan.next} (new top) in ${plan.category}`,
    scope: { category: plan.category, include_descendants: false },
    variants: [{ name: "previous", model: plan.previous }, { name: "next", model: plan.next }],
    split: [...config.split],
    min_samples: config.min_samples,
    significance: config.significance,
  };
}

export interface CanaryOptions {
  env: Env;
  /** null when the replaced version could not be read: nothing to compare, so no canary. */
  previous: Registry | null;
  next: Registry;
  /** false when the request said `?canary=false`. */
  requested: boolean;
  now: Date;
  running?: RunningExperiments;
}

/** Starts the canaries of an update; failures are reported as skipped, never fail the stored update. */
export async function startCanaries(options: CanaryOptions): Promise<{ started: Experiment[]; report: z.infer<typeof CanaryReportSchema> }> {
  const { plans, skipped } = options.previous
    ? planCanaries(options.previous, options.next)
    : { plans: [], skipped: [{ category: "*", previous: null, next: null, reason: "the replaced registry could not be read" }] };
  const enabled = options.requested && (options.next.config.canary?.enabled ?? CANARY_DEFAULTS.enabled);
  if (!enabled) {
    const reason = options.requested ? "canaries are disabled in config.canary" : "canaries were disabled for this update (?canary=false)";
    return { started: [], report: { enabled, skipped: [...skipped, ...plans.map((p) => ({ ...p, reason }))], stopped: [] } };
  }
  const planned = plans.slice(0, MAX_CANARIES);
  for (const p of plans.slice(MAX_CANARIES)) skipped.push({ ...p, reason: `more than ${MAX_CANARIES} categories changed at once` });
  const stopped = await stopSuperseded(options, new Set(planned.map((p) => p.category)));
  const suffix = crypto.randomUUID().slice(0, 8);
  const started: Experiment[] = [];
  // A few at a time: each start is one Durable Object call and one KV write.
  for (let i = 0; i < planned.length; i += CANARY_BATCH) {
    const batch = planned.slice(i, i + CANARY_BATCH);
    const results = await Promise.allSettled(batch.map((plan) => startOne(options, plan, suffix)));
    results.forEach((result, j) => {
      if (result.status === "fulfilled") return void started.push(result.value);
      console.error(`canary for ${batch[j]!.category} not started:`, result.reason);
      const message = result.reason instanceof Error ? result.reason.message : "unknown error";
      skipped.push({ ...batch[j]!, reason: `failed to start: ${message}` });
    });
  }
  return { started, report: { enabled, skipped, stopped } };
}

function startOne(options: CanaryOptions, plan: CanaryPlan, suffix: string): Promise<Experiment> {
  const id = `canary-${plan.category.replaceAll("_", "-")}-v${options.next.version}-${suffix}`;
  const input = canaryInput(plan, options.next, id);
  return createExperiment({ env: options.env, registry: options.next, input, defaultId: id, now: options.now, origin: "canary", running: options.running });
}

/** A new canary in a category replaces the running canary there; experiments made through the API are left alone. */
async function stopSuperseded(options: CanaryOptions, categories: Set<string>): Promise<string[]> {
  const running = await new ExperimentStore(options.env.ROUTER_KV).all("running");
  const superseded = running.filter((e) => e.origin === "canary" && categories.has(e.scope.category));
  await Promise.all(superseded.map((e) => stopExperiment({ env: options.env, id: e.id, now: options.now, running: options.running })));
  return superseded.map((e) => e.id);
}

/**
 * The registry an update replaces: the isolate's cached copy when it is that version, else read
 * from KV; null when it cannot be read (then no canary can be planned, and the report says so).
 */
export async function registryBefore(context: RoutingContext, env: Env, version: number): Promise<Registry | null> {
  try {
    const { registry } = await context.get(env, Date.now());
    if (registry.version === version) return registry;
    return await new RegistryStore(env.ROUTER_KV).load(version);
  } catch (error) {
    console.error(`canary: registry version ${version} unreadable, no canaries for this update:`, error);
    return null;
  }
}
