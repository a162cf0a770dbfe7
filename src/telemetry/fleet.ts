/**
 * The fleet view routing reads: the KV-backed FleetSource that src/index.ts hands to createApp.
 * RoutingContext calls it at most once per isolate per CACHE_TTL_MS (2 s by default). The list it
 * makes is shared with the data center's other isolates (colo-copy.ts), so KV is listed per
 * location at most twice per TTL, not per isolate; the shared copy carries every node whole, so no
 * isolate reads an overflowed node's value either.
 *
 * Staleness is not decided here: the kernel compares each snapshot's own timestamp with the
 * decision's `now`, so a cached view still ages correctly.
 */
import { z } from "@hono/zod-openapi";
import type { Env } from "../env";
import { intSetting } from "../env";
import type { FleetSnapshot, FleetSource } from "../routing/context";
import { CompactSchema, decodeCompact, encodeCompact } from "./compact";
import { coloCache, readColoCopy, writeColoCopy } from "../colo-copy";
import type { FleetNode } from "../kernel/types";
import { TelemetryStore } from "./store";

/** The shared copy's cache key; any URL works, the Cache API is keyed by it within the zone. */
export const FLEET_CACHE_KEY = "https://fleet-view.router.internal/v1/fleet";

const DEFAULT_TTL_MS = 2000;

/** The shared copy's value: the generation and every node whole (no KV metadata size limit here). */
const SharedViewSchema = z.strictObject({
  generation: z.string(),
  nodes: z.array(z.tuple([z.string().min(1), CompactSchema])),
});

export class KvFleetSource implements FleetSource {
  async snapshot(env: Env, now_ms: number): Promise<FleetSnapshot> {
    const ttl = intSetting(env.CACHE_TTL_MS, DEFAULT_TTL_MS);
    const cache = coloCache(ttl);
    if (cache) {
      const shared = await readColoCopy(cache, FLEET_CACHE_KEY, SharedViewSchema, now_ms, ttl / 2);
      const nodes = shared?.value.nodes.map(([id, compact]) => decodeCompact(id, compact));
      if (shared && nodes && nodes.every((n) => n !== null)) return { generation: shared.value.generation, nodes: nodes as FleetNode[], read_at_ms: shared.at };
    }
    const read = await new TelemetryStore(env.ROUTER_KV).fleet();
    const snapshot = { generation: read.generation, nodes: read.nodes };
    if (cache) {
      const value = { generation: snapshot.generation, nodes: snapshot.nodes.map((node) => [node.id, encodeCompact(node, 0, { unlimited: true })]) };
      await writeColoCopy(cache, FLEET_CACHE_KEY, value, now_ms, ttl / 2);
    }
    return snapshot;
  }
}
