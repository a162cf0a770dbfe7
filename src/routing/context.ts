/**
 * What a routing decision reads, cached per isolate: the live registry with its packed WASM
 * kernel (rebuilt only when the version changes) and the fleet view (repacked only when its
 * generation changes). After the TTL the next request asks KV for the registry version
 * (one small read) and the fleet source for its view.
 */
import type { Env } from "../env";
import { intSetting } from "../env";
import type { Model, Registry } from "../registry/schema";
import { RegistryStore, StoredRegistryError } from "../registry/store";
import { Problem } from "../errors";
import { Taxonomy } from "../registry/taxonomy";
import type { FleetNode } from "../kernel/types";
import { WasmKernel } from "../kernel/wasm";
import { TrafficShare } from "./traffic-share";

/** The fleet as routing sees it; `generation` changes whenever any node's snapshot does. */
export interface FleetSnapshot {
  generation: string;
  nodes: FleetNode[];
  /**
   * When this view was read from its store, ms since epoch, if earlier than the request that asked
   * for it (a copy shared by another isolate): the isolate's TTL then runs from this instant, so no
   * view is used longer than CACHE_TTL_MS after it was read.
   */
  read_at_ms?: number;
}

/** Where the fleet comes from (the telemetry view over KV in the worker). */
export interface FleetSource {
  snapshot(env: Env, now_ms: number): Promise<FleetSnapshot>;
}

export const EMPTY_FLEET: FleetSource = {
  snapshot: async () => ({ generation: "empty", nodes: [] }),
};

/** One registry version with its kernel; immutable, so a request can hold it across awaits. */
export interface LoadedRegistry {
  registry: Registry;
  taxonomy: Taxonomy;
  kernel: WasmKernel;
  models: Map<string, Model>;
  /** Generation of the fleet packed into `kernel`. */
  fleetGeneration: string | null;
  fleet: FleetNode[];
  nodes: Map<string, FleetNode>;
  /** This isolate's share of the traffic, from the engines' counters (traffic-share.ts). */
  share: TrafficShare;
}

export interface RoutingContextOptions {
  kernelModule: WebAssembly.Module;
  fleetSource: FleetSource;
}

/** Default of CACHE_TTL_MS: how long an isolate reuses the registry and fleet it read. */
export const DEFAULT_TTL_MS = 2000;

export class RoutingContext {
  private loaded: LoadedRegistry | null = null;
  private checkedAt = -Infinity;

  constructor(private readonly options: RoutingContextOptions) {}

  /** The registry, kernel and fleet to decide with now. */
  async get(env: Env, now_ms: number): Promise<LoadedRegistry> {
    const ttl = intSetting(env.CACHE_TTL_MS, DEFAULT_TTL_MS);
    let loaded = this.loaded;
    if (!loaded || now_ms - this.checkedAt >= ttl) {
      const fresh = await this.readRegistry(env, loaded);
      if (fresh) loaded = fresh;
      if (!loaded) throw new Error("unreachable: readRegistry returns a registry when none is loaded");
      const fleet = await this.options.fleetSource.snapshot(env, now_ms);
      if (loaded.fleetGeneration !== fleet.generation) setFleet(loaded, fleet);
      this.loaded = loaded;
      this.checkedAt = Math.min(now_ms, fleet.read_at_ms ?? now_ms);
    }
    return loaded;
  }

  /**
   * The registry this isolate routes with, without refreshing anything: KV is read only when the
   * isolate has none loaded yet. For paths that must stay cheap, such as a telemetry push.
   */
  async current(env: Env): Promise<LoadedRegistry> {
    if (this.loaded) return this.loaded;
    const fresh = await this.readRegistry(env, null);
    if (!fresh) throw new Error("unreachable: readRegistry returns a registry when none is loaded");
    // checkedAt stays where it was, so the next get() still reads the fleet.
    this.loaded = fresh;
    return fresh;
  }

  /**
   * The registry KV points at, as a new LoadedRegistry when its version differs from `loaded`.
   * A stored version that cannot be read or validated keeps the isolate on what it has (logged);
   * with nothing loaded yet it is a 503, never a half-read document.
   */
  private async readRegistry(env: Env, loaded: LoadedRegistry | null): Promise<LoadedRegistry | null> {
    const store = new RegistryStore(env.ROUTER_KV);
    try {
      const version = await store.currentVersion();
      if (loaded && loaded.registry.version === version) return null;
      return this.build(await store.load(version));
    } catch (error) {
      if (!(error instanceof StoredRegistryError)) throw error;
      console.error(`registry: ${error.message}; ${loaded ? `staying on version ${loaded.registry.version}` : "no version to fall back on"}`);
      if (loaded) return null;
      throw new Problem({
        status: 503,
        title: "Registry unavailable",
        detail: "the stored registry cannot be read back; an admin must PUT a valid registry",
        headers: { "retry-after": "5" },
      });
    }
  }

  /** Makes a just-stored registry live in this isolate without waiting for the TTL. */
  install(registry: Registry): void {
    const previous = this.loaded;
    const next = this.build(registry);
    next.share = previous?.share ?? next.share;
    if (previous?.fleetGeneration) setFleet(next, { generation: previous.fleetGeneration, nodes: previous.fleet });
    this.loaded = next;
  }

  private build(registry: Registry): LoadedRegistry {
    return buildLoaded(registry, this.options.kernelModule);
  }
}

/** A registry packed into a fresh kernel, with no fleet yet. Also used by the simulator (src/sim/router.ts). */
export function buildLoaded(registry: Registry, kernelModule: WebAssembly.Module): LoadedRegistry {
  const kernel = new WasmKernel(kernelModule);
  kernel.loadRegistry(registry);
  return {
    registry,
    taxonomy: new Taxonomy(registry.categories),
    kernel,
    models: new Map(registry.models.map((m) => [m.id, m])),
    fleetGeneration: null,
    fleet: [],
    nodes: new Map(),
    share: new TrafficShare(),
  };
}

/** Packs a new fleet view into `loaded`'s kernel. Also used by the simulator (src/sim/router.ts). */
export function setFleet(loaded: LoadedRegistry, fleet: FleetSnapshot): void {
  // Before loadFleet: the share is measured on the ledger entries the new snapshots are about to reflect.
  loaded.kernel.setOwnWeight(loaded.share.update(loaded.fleet, fleet.nodes, loaded.kernel.ledger()));
  loaded.kernel.loadFleet(fleet.nodes);
  loaded.fleetGeneration = fleet.generation;
  loaded.fleet = fleet.nodes;
  loaded.nodes = new Map(fleet.nodes.map((n) => [n.id, n]));
}
