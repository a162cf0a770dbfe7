/**
 * The fleet view routing reads: the KV-backed FleetSource that src/index.ts hands to createApp.
 * RoutingContext calls it at most once per isolate per CACHE_TTL_MS (2 s by default).
 *
 * KV `list` is the dear operation (Workers KV: $5.00 per million lists beyond the plan's
 * allowance, against $0.50 per million reads), and every isolate of the worker reads the fleet. So
 * the view read from KV is shared with the other isolates of the same data center through the
 * Cache API (caches.default, local to the data center, no charge per operation): an isolate uses
 * a shared copy younger than half the TTL, and lists KV only when there is none. Its TTL then
 * runs from when the copy was read (`read_at_ms`), so a view is never used longer than the TTL. That makes the
 * list rate per data center, not per isolate. On *.workers.dev, where the Cache API does nothing,
 * every isolate lists KV as before. The copy is validated like anything else read back.
 *
 * Staleness is not decided here: the kernel compares each snapshot's own timestamp with the
 * decision's `now`, so a cached view still ages correctly.
 */
import { z } from "@hono/zod-openapi";
import type { Env } from "../env";
import { intSetting } from "../env";
import type { FleetSnapshot, FleetSource } from "../routing/context";
import { CompactSchema, decodeCompact, encodeCompact } from "./compact";
import { TelemetryStore } from "./store";

/** The shared copy's cache key; any URL works, the Cache API is keyed by it within the zone. */
export const FLEET_CACHE_KEY = "https://fleet-view.router.internal/v1/fleet";

const DEFAULT_TTL_MS = 2000;

const SharedViewSchema = z.strictObject({
  v: z.literal(1),
  /** When it was read from KV, ms since epoch. */
  at: z.number(),
  generation: z.string(),
  nodes: z.array(z.tuple([z.string().min(1), CompactSchema])),
});

export class KvFleetSource implements FleetSource {
  async snapshot(env: Env, now_ms: number): Promise<FleetSnapshot> {
    const ttl = intSetting(env.CACHE_TTL_MS, DEFAULT_TTL_MS);
    // Cache-Control counts whole seconds: a TTL under 2 s (tests use 0) reads KV every time.
    const cache = ttl >= 2000 && typeof caches !== "undefined" ? caches.default : null;
    if (cache) {
      const shared = await readShared(cache, now_ms, ttl / 2);
      if (shared) return shared;
    }
    const read = await new TelemetryStore(env.ROUTER_KV).fleet();
    const snapshot = { generation: read.generation, nodes: read.nodes };
    if (cache) await writeShared(cache, snapshot, now_ms, Math.floor(ttl / 2000));
    return snapshot;
  }
}

/** The data center's copy when it is younger than `maxAgeMs` and valid; null otherwise. */
async function readShared(cache: Cache, now_ms: number, maxAgeMs: number): Promise<FleetSnapshot | null> {
  const response = await cache.match(FLEET_CACHE_KEY);
  if (!response) return null;
  let raw: unknown;
  try {
    raw = await response.json();
  } catch {
    return null;
  }
  const parsed = SharedViewSchema.safeParse(raw);
  if (!parsed.success || !(now_ms - parsed.data.at < maxAgeMs) || parsed.data.at > now_ms + 1000) return null;
  const nodes = parsed.data.nodes.map(([id, compact]) => decodeCompact(id, compact));
  if (nodes.some((n) => n === null)) return null;
  return { generation: parsed.data.generation, nodes: nodes as NonNullable<(typeof nodes)[number]>[], read_at_ms: parsed.data.at };
}

async function writeShared(cache: Cache, snapshot: FleetSnapshot, now_ms: number, maxAgeS: number): Promise<void> {
  const body = JSON.stringify({
    v: 1,
    at: now_ms,
    generation: snapshot.generation,
    // Without KV's metadata size limit: every node whole, so no isolate has to read an overflowed node's value.
    nodes: snapshot.nodes.map((node) => [node.id, encodeCompact(node, 0, { unlimited: true })]),
  });
  await cache.put(FLEET_CACHE_KEY, new Response(body, { headers: { "content-type": "application/json", "cache-control": `max-age=${maxAgeS}` } }));
}
