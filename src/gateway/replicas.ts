/**
 * A request's candidates as (model, node) pairs, made one at a time as failover asks for them:
 * the chosen model on its placement, then that model's other replicas, then each alternative
 * (its placement, then its other replicas). "Other replicas" are what the kernel places the model
 * on once the nodes already tried, busy or broken are excluded (KernelRequest.exclude_nodes), so
 * the kernel's own choice among serving nodes (load, power of two) applies to failover too.
 *
 * Cheap by construction: the decision's own placements cost nothing, and the kernel is asked
 * again only after an attempt failed (one WASM call, top_k 1, not recorded in the ledger: the
 * decision's placement already counted this request). Called by proxy.ts for failover.ts.
 */
import { fmix32, fnv1a32 } from "../hash";
import type { LoadedRegistry } from "../routing/context";
import type { Decision, Placement, RouteRequest } from "../routing/schema";
import type { Destination } from "./failover";

interface Option {
  model: Destination["model"];
  placement: Placement | null;
}

export class Replicas {
  private readonly options: Option[];
  private index = 0;
  private offered = false;
  private asks = 0;

  /** `route`: the request as routed (category and constraints); `now_ms`: the decision's clock. */
  constructor(
    private readonly loaded: LoadedRegistry,
    private readonly decision: Decision,
    private readonly route: RouteRequest,
    private readonly now_ms: number,
  ) {
    this.options = [{ model: decision.model, placement: decision.placement }, ...decision.alternatives];
  }

  /** The next pair on none of the `excluded` nodes, or null when there is none. */
  next(excluded: ReadonlySet<string>): Destination | null {
    while (this.index < this.options.length) {
      const option = this.options[this.index]!;
      const model = { id: option.model.id, hf_repo: option.model.hf_repo };
      if (!this.offered) {
        this.offered = true;
        const p = option.placement;
        if (p?.endpoint && !excluded.has(p.node)) return { node: p.node, endpoint: p.endpoint, model };
      }
      const replica = this.replica(model, excluded);
      if (replica) return replica;
      this.index++;
      this.offered = false;
    }
    return null;
  }

  /** Where the kernel places `model` away from `excluded`, or null. */
  private replica(model: Destination["model"], excluded: ReadonlySet<string>): Destination | null {
    const result = this.loaded.kernel.route({
      category: this.route.category,
      constraints: { ...(this.route.constraints ?? {}), allow_models: [model.id] },
      top_k: 1,
      now_ms: this.now_ms,
      seed: fmix32(fnv1a32(`${this.decision.decision_id}/${++this.asks}`)),
      record: false,
      exclude_nodes: [...excluded],
    });
    const placed = result.status === "ok" ? result.results[0]?.placement : null;
    if (!placed) return null;
    const endpoint = this.loaded.nodes.get(placed.node)?.endpoint;
    return endpoint && !excluded.has(placed.node) ? { node: placed.node, endpoint, model } : null;
  }
}
