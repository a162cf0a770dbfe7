/**
 * Turns a validated route request into a decision: checks names against the registry, asks the
 * kernel, and dresses the kernel's numbers with model and GPU details. Synchronous on purpose:
 * it runs between awaits, so the registry and fleet it reads cannot change underneath it.
 * Called by routing/routes.ts (and the simulator), never by the kernel.
 */
import { fmix32, fnv1a32 } from "../hash";
import { ageSeconds } from "../telemetry/health";
import type { Model } from "../registry/schema";
import { badRequest, notFound, Problem, type FieldError } from "../errors";
import type { KernelCandidate, KernelRequest, KernelResult } from "../kernel/types";
import type { LoadedRegistry } from "./context";
import { describeRejections } from "./reasons";
import type { Candidate, Decision, Placement, RouteRequest } from "./schema";

export interface DecideInput {
  loaded: LoadedRegistry;
  request: RouteRequest;
  now_ms: number;
  decision_id: string;
  /** false for a what-if decision whose placement will not be used (default true: it counts). */
  record?: boolean;
  /** Nodes not to place on (the gateway's open breakers and busy nodes): KernelRequest.exclude_nodes. */
  exclude_nodes?: readonly string[];
}

/** Seconds a client should wait before retrying when no GPU has room: one staleness window. */
export function retryAfterSeconds(loaded: LoadedRegistry): number {
  return Math.max(1, Math.ceil(loaded.registry.config.gpu.stale_after_s / 3));
}

export function decide(input: DecideInput): Decision {
  const { loaded, request } = input;
  checkNames(loaded, request);
  const kernelRequest: KernelRequest = {
    category: request.category,
    constraints: request.constraints ?? {},
    top_k: request.top_k,
    now_ms: input.now_ms,
    explain: request.explain,
    // Draws the placement's power-of-two choice; any well-mixed per-decision number will do.
    seed: fmix32(fnv1a32(input.decision_id)),
    record: input.record !== false,
    exclude_nodes: input.exclude_nodes,
  };
  const result = loaded.kernel.route(kernelRequest);
  const byId = loaded.models;
  if (result.status !== "ok") throw refusal(result, kernelRequest, loaded, byId);
  const [chosen, ...alternatives] = result.results.map((r) => candidate(r, loaded, byId, input.now_ms));
  const decision: Decision = {
    decision_id: input.decision_id,
    request_id: request.request_id ?? null,
    registry_version: loaded.registry.version,
    category: request.category,
    resolved_category: result.resolved!,
    category_path: result.path,
    model: chosen!.model,
    score: chosen!.score,
    placement: chosen!.placement,
    experiment: null,
    alternatives,
  };
  if (request.explain) decision.rejected = describeRejections(result.rejected, kernelRequest, loaded.registry, byId);
  return decision;
}

/** Unknown category → 404; unknown model ids in allow/deny lists → 400 naming the entry. */
function checkNames(loaded: LoadedRegistry, request: RouteRequest): void {
  if (!loaded.taxonomy.has(request.category)) {
    throw notFound(`unknown category '${request.category}'; GET /v1/categories lists them`, [
      { path: "category", message: `unknown category '${request.category}'` },
    ]);
  }
  const errors: FieldError[] = [];
  for (const list of ["allow_models", "deny_models"] as const) {
    request.constraints?.[list]?.forEach((id, i) => {
      if (!loaded.models.has(id)) errors.push({ path: `constraints.${list}.${i}`, message: `unknown model id '${id}'` });
    });
  }
  if (errors.length > 0) throw badRequest("the request names models the registry does not have", errors);
}

/** The request field each rejection reason points at. */
const REASON_FIELD: Record<string, string> = {
  memory: "constraints.max_memory_mb",
  context: "constraints.min_context",
  params: "constraints.max_params_b",
  not_allowed: "constraints.allow_models",
  denied: "constraints.deny_models",
  min_score: "constraints.min_score",
  precision: "constraints.precision",
  no_gpu: "placement",
};

function refusal(result: KernelResult, request: KernelRequest, loaded: LoadedRegistry, byId: Map<string, Model>): Problem {
  const rejected = describeRejections(result.rejected, request, loaded.registry, byId);
  // A 503 is about GPUs: its errors name the models that fit but found no room; every other
  // rejection (e.g. "not in allow_models") stays in `rejected`.
  const relevant = result.status === "no_gpu" ? rejected.filter((r) => r.reasons.includes("no_gpu")) : rejected;
  const errors = relevant.flatMap((r) => r.reasons.map((reason) => ({ path: REASON_FIELD[reason] ?? "constraints", message: `${r.model}: ${r.detail}` })));
  if (result.status === "no_gpu") {
    const retry = retryAfterSeconds(loaded);
    return new Problem({
      status: 503,
      title: "No GPU available",
      detail: `models fit '${request.category}' but no healthy, fresh GPU has room for them; retry in ${retry}s`,
      errors,
      extensions: { category_path: result.path, rejected },
      headers: { "retry-after": String(retry) },
    });
  }
  return new Problem({
    status: 422,
    title: "No model satisfies the constraints",
    detail: `no model for '${request.category}' or its ancestors (${result.path.join(" → ")}) satisfies the constraints`,
    errors,
    extensions: { category_path: result.path, rejected },
  });
}

function candidate(r: KernelCandidate, loaded: LoadedRegistry, byId: Map<string, Model>, now_ms: number): Candidate {
  const model = byId.get(r.model)!;
  return {
    model: {
      id: model.id,
      name: model.name,
      hf_repo: model.hf_repo,
      params_b: model.params_b,
      context_length: model.context_length,
      precision: r.precision,
      memory_mb: r.memory_mb,
    },
    score: r.score,
    placement: r.placement ? placement(r.placement, loaded, now_ms) : null,
  };
}

function placement(p: NonNullable<KernelCandidate["placement"]>, loaded: LoadedRegistry, now_ms: number): Placement {
  const node = loaded.nodes.get(p.node)!;
  const gpu = node.gpus.find((g) => g.index === p.gpu_index)!;
  return {
    node: node.id,
    gpu_index: gpu.index,
    gpu_uuid: gpu.uuid,
    free_memory_mb: gpu.memory_free_mb,
    endpoint: node.endpoint,
    serves_model: p.serving,
    stale: p.stale,
    age_s: ageSeconds(node, now_ms),
  };
}
