/**
 * The worker's routing code, driven by the simulator: a LoadedRegistry built and refreshed by
 * routing/context.ts's own buildLoaded/setFleet around the same .wasm module, and
 * routing/decide.ts's decide() for every request, so model choice, fallback and the 422/503
 * refusals are the worker's own. The engine (engine.ts) feeds it the fleet view it may see.
 */
import { Problem } from "../errors";
import type { FleetNode } from "../kernel/types";
import type { Registry } from "../registry/schema";
import { buildLoaded, setFleet, type LoadedRegistry } from "../routing/context";
import { decide } from "../routing/decide";
import { RouteRequestSchema, type RouteRequest } from "../routing/schema";

/** What the simulator needs from one decision. */
export type RouteOutcome =
  | { status: "ok"; model: string; node: string | null; gpu_index: number; stale: boolean }
  | { status: "no_model" | "no_gpu" };

export class SimRouter {
  private readonly loaded: LoadedRegistry;
  /** Parsed once per category: the body a client would POST to /v1/route. */
  private readonly requests = new Map<string, RouteRequest>();
  private decisions = 0;

  /** `idPrefix` keeps decision ids (which seed the kernel's placement draw) distinct across isolates. */
  constructor(
    registry: Registry,
    kernelModule: WebAssembly.Module,
    private readonly idPrefix = "sim-",
  ) {
    this.loaded = buildLoaded(registry, kernelModule);
  }

  /** Installs a new fleet view with RoutingContext's own code, as it does when the generation changes. */
  setFleet(generation: string, nodes: FleetNode[]): void {
    setFleet(this.loaded, { generation, nodes });
  }

  /** One POST /v1/route for `category` at simulated wall-clock `now_ms`. */
  route(category: string, now_ms: number): RouteOutcome {
    let request = this.requests.get(category);
    if (!request) {
      request = RouteRequestSchema.parse({ category, top_k: 1 });
      this.requests.set(category, request);
    }
    try {
      const decision = decide({ loaded: this.loaded, request, now_ms, decision_id: `${this.idPrefix}${++this.decisions}` });
      const p = decision.placement;
      return { status: "ok", model: decision.model.id, node: p?.node ?? null, gpu_index: p?.gpu_index ?? -1, stale: p?.stale ?? false };
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      // 503: models fit but no healthy, fresh GPU had room; 422: no model for the category.
      if (error.status === 503) return { status: "no_gpu" };
      if (error.status === 422) return { status: "no_model" };
      throw error;
    }
  }
}
