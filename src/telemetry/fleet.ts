/**
 * The fleet view routing reads: the KV-backed FleetSource that src/index.ts hands to createApp.
 * RoutingContext calls it at most once per isolate per CACHE_TTL_MS (2 s by default), so route
 * decisions cost at most one KV `list` (per 1,000 nodes) every two seconds per isolate, and none
 * in between. Staleness is not decided here: the kernel compares each snapshot's own timestamp
 * with the decision's `now`, so a cached view still ages correctly.
 */
import type { Env } from "../env";
import type { FleetSnapshot, FleetSource } from "../routing/context";
import { TelemetryStore } from "./store";

export class KvFleetSource implements FleetSource {
  async snapshot(env: Env, _now_ms: number): Promise<FleetSnapshot> {
    const read = await new TelemetryStore(env.ROUTER_KV).fleet();
    return { generation: read.generation, nodes: read.nodes };
  }
}
