/**
 * Creating and stopping experiments: names are checked against the live registry, the Durable
 * Object (authoritative) is written first and the KV index second, and this isolate's cache of
 * running experiments is dropped so its next decision sees the change. Called by routes.ts
 * (POST /v1/experiments, POST /v1/experiments/:id/stop) and canary.ts (registry updates).
 */
import type { Env } from "../env";
import { badRequest, conflict, notFound, type FieldError } from "../errors";
import type { Registry } from "../registry/schema";
import { ExperimentObjects } from "./objects";
import type { RunningExperiments } from "./running";
import { ExperimentSchema, type Experiment, type ExperimentInput } from "./schema";
import { ExperimentStore } from "./store";

export interface CreateOptions {
  env: Env;
  /** The registry the experiment's names must exist in (the live one, or the one just stored). */
  registry: Registry;
  input: ExperimentInput;
  /** The id to use when the input names none. */
  defaultId: string;
  now: Date;
  origin: Experiment["origin"];
  running?: RunningExperiments;
}

/** The stored form of an input: defaults filled in (equal split when none is given), running from `now`. */
export function buildExperiment(input: ExperimentInput, options: { id: string; now: Date; origin: Experiment["origin"] }): Experiment {
  const k = input.variants.length;
  return ExperimentSchema.parse({
    id: input.id ?? options.id,
    description: input.description ?? null,
    scope: input.scope,
    variants: input.variants,
    split: input.split ?? input.variants.map(() => 1 / k),
    min_samples: input.min_samples,
    significance: input.significance,
    status: "running",
    origin: options.origin,
    created_at: options.now.toISOString(),
    stopped_at: null,
  });
}

/** Names the registry does not have: the scope's category, variant models, models in variant constraints. */
export function referenceErrors(input: ExperimentInput, registry: Registry): FieldError[] {
  const errors: FieldError[] = [];
  if (!registry.categories.some((c) => c.id === input.scope.category)) {
    errors.push({ path: "scope.category", message: `unknown category '${input.scope.category}'` });
  }
  const models = new Set(registry.models.map((m) => m.id));
  input.variants.forEach((v, i) => {
    if (v.model !== undefined && !models.has(v.model)) errors.push({ path: `variants.${i}.model`, message: `unknown model id '${v.model}'` });
    for (const list of ["allow_models", "deny_models"] as const) {
      v.constraints?.[list]?.forEach((id, j) => {
        if (!models.has(id)) errors.push({ path: `variants.${i}.constraints.${list}.${j}`, message: `unknown model id '${id}'` });
      });
    }
  });
  return errors;
}

export async function createExperiment(options: CreateOptions): Promise<Experiment> {
  const errors = referenceErrors(options.input, options.registry);
  if (errors.length > 0) throw badRequest("the experiment names things the registry does not have", errors);
  const experiment = buildExperiment(options.input, { id: options.defaultId, now: options.now, origin: options.origin });
  const { created, experiment: stored } = await new ExperimentObjects(options.env.EXPERIMENTS).create(experiment);
  if (!created) throw conflict(`experiment '${experiment.id}' already exists`, [{ path: "id", message: "already exists; pick another id" }]);
  await new ExperimentStore(options.env.ROUTER_KV).put(stored);
  options.running?.invalidate();
  return stored;
}

/** Stops an experiment (idempotent: a stopped one is returned as it is); 404 when unknown. */
export async function stopExperiment(options: { env: Env; id: string; now: Date; running?: RunningExperiments }): Promise<Experiment> {
  // Unknown ids end here, before an object (and its database) would be created for them.
  if ((await new ExperimentStore(options.env.ROUTER_KV).tryGet(options.id)) === null) {
    throw notFound(`no experiment '${options.id}'`, [{ path: "id", message: "unknown experiment" }]);
  }
  const stopped = await new ExperimentObjects(options.env.EXPERIMENTS).stop(options.id, options.now);
  if (!stopped) throw notFound(`no experiment '${options.id}'`, [{ path: "id", message: "unknown experiment" }]);
  await new ExperimentStore(options.env.ROUTER_KV).put(stopped);
  options.running?.invalidate();
  return stopped;
}
