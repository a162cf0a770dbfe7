/**
 * Routing under an experiment, wrapped around the synchronous decide() of src/routing/decide.ts:
 * find the running experiment that covers the request's category (no storage round-trip: the
 * definitions come from the per-isolate cache), assign the unit with the pure hash, decide with
 * the variant's constraints, and fall back to plain routing — flagged, and counted as a fallback
 * — when the variant cannot be served. Called by src/routing/routes.ts for POST /v1/route.
 */
import { Problem } from "../errors";
import type { Decision } from "../routing/schema";
import { decide, type DecideInput } from "../routing/decide";
import { assignVariant } from "./assignment";
import { narrowConstraints } from "./constraints";
import type { Experiment } from "./schema";

/** What to count in the experiment's Durable Object after the response is sent. */
export interface Assignment {
  experiment: string;
  variant: string;
  fallback: boolean;
}

export interface ExperimentDecision {
  decision: Decision;
  assignment: Assignment | null;
}

/**
 * The experiment that covers a category walk (`path`, requested category first): the one scoped
 * to the most specific category on the walk — exactly, or through include_descendants for an
 * ancestor — then the most recently created, then the smallest id. One experiment per request.
 */
export function coveringExperiment(experiments: readonly Experiment[], path: readonly string[]): Experiment | null {
  let best: { experiment: Experiment; depth: number } | null = null;
  for (const experiment of experiments) {
    if (experiment.status !== "running") continue;
    const depth = path.indexOf(experiment.scope.category);
    if (depth < 0 || (depth > 0 && !experiment.scope.include_descendants)) continue;
    if (
      !best ||
      depth < best.depth ||
      (depth === best.depth && (experiment.created_at > best.experiment.created_at ||
        (experiment.created_at === best.experiment.created_at && experiment.id < best.experiment.id)))
    ) {
      best = { experiment, depth };
    }
  }
  return best?.experiment ?? null;
}

export function routeWithExperiment(input: DecideInput & { experiments: readonly Experiment[] }): ExperimentDecision {
  const { loaded, request } = input;
  const experiment = coveringExperiment(input.experiments, loaded.taxonomy.path(request.category));
  if (!experiment) return { decision: decide(input), assignment: null };

  // The unit is the client's unit_id, else its request_id, else a request_id made here and reported.
  const request_id = request.request_id ?? (request.unit_id === undefined ? input.decision_id : undefined);
  const base = request_id === undefined ? request : { ...request, request_id };
  const unit = request.unit_id ?? request_id!;
  const variant = experiment.variants[assignVariant(experiment.id, unit, experiment.split)]!;

  let decision: Decision | null = null;
  const narrowed = narrowConstraints(request.constraints ?? {}, variant);
  if (narrowed) {
    try {
      decision = decide({ ...input, request: { ...base, constraints: narrowed } });
    } catch (error) {
      // The variant cannot be served here (not placed, not allowed, gone from the registry): fall back below.
      if (!(error instanceof Problem)) throw error;
    }
  }
  const fallback = decision === null;
  // A failing plain decision is the request's own error (bad names, nothing fits): it propagates.
  if (decision === null) decision = decide({ ...input, request: base });
  // The plain decision only lends its alternatives: it must not count as a placement.
  else if (variant.model !== undefined) decision = withPlainAlternatives(decision, { ...input, request: base, record: false });
  return {
    decision: { ...decision, experiment: { id: experiment.id, variant: variant.name, fallback } },
    assignment: { experiment: experiment.id, variant: variant.name, fallback },
  };
}

/**
 * A model variant allows one model, so its own decision has no alternatives; clients still need
 * some to fail over to, so they come from plain routing, minus the variant's model.
 */
function withPlainAlternatives(decision: Decision, plainInput: DecideInput): Decision {
  let plain: Decision;
  try {
    plain = decide(plainInput);
  } catch (error) {
    if (error instanceof Problem) return decision;
    throw error;
  }
  const candidates = [{ model: plain.model, score: plain.score, placement: plain.placement }, ...plain.alternatives];
  const alternatives = candidates.filter((c) => c.model.id !== decision.model.id).slice(0, Math.max(0, plainInput.request.top_k - 1));
  return { ...decision, alternatives };
}
