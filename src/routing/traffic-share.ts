/**
 * This isolate's share of the fleet's traffic, estimated from the engines' own counters, so that
 * its placements since a snapshot can stand for everyone's.
 *
 * The worker runs on many isolates at once and each one only knows the placements it made. Between
 * two snapshots of an engine, the engine itself says how many requests reached it: finished
 * requests (the `requests_total` counter) plus the change in running and waiting. This isolate knows
 * how many of those it sent (its ledger). Summed over every engine that reported twice, own / arrived
 * is its share of the traffic, the same quantity whichever way the load balancer spreads requests;
 * its inverse is how many times each own placement should count (Kernel.setOwnWeight). Requests that
 * reach an engine without the router (or left its queue unfinished) make the share look smaller and
 * the weight larger, which errs towards spreading.
 *
 * Called by routing/context.ts's setFleet each time a new fleet view is installed, before the kernel
 * drops the ledger entries the new snapshots reflect.
 */
import type { Ledger } from "../kernel/ledger";
import type { FleetEngine, FleetNode } from "../kernel/types";

/** Each update keeps this much of the sums so far: about 10 updates (20 s at the default 2 s view TTL) of memory. */
export const SHARE_DECAY = 0.9;
/** Arrivals the sums must hold before the estimate is used; until then every placement counts once. */
export const MIN_ARRIVALS = 20;
/** The weight never exceeds this: 64 isolates sharing the traffic evenly. */
export const MAX_WEIGHT = 64;

export class TrafficShare {
  private own = 0;
  private arrived = 0;

  /** The current weight: 1 / share, within [1, MAX_WEIGHT]; 1 until enough arrivals were seen. */
  get weight(): number {
    if (this.arrived < MIN_ARRIVALS || this.own <= 0) return 1;
    return Math.min(MAX_WEIGHT, Math.max(1, this.arrived / this.own));
  }

  /**
   * Adds what happened between `previous` and `next` views: per engine that reported again with a
   * counter in both (same node, same position, same kind, a later reading, a counter that did not go
   * back, i.e. no engine restart), the requests that reached it, and this isolate's ledger entries
   * for that engine taken in between. Returns the new weight.
   */
  update(previous: readonly FleetNode[], next: readonly FleetNode[], ledger: Ledger): number {
    const before = new Map(previous.map((n) => [n.id, n]));
    const windows = new Map<string, { from: number; to: number }>();
    let arrived = 0;
    for (const node of next) {
      const old = before.get(node.id);
      if (!old) continue;
      node.engines.forEach((engine, ordinal) => {
        const prior = old.engines[ordinal];
        const delta = prior ? arrivals(prior, engine) : null;
        if (delta === null) return;
        arrived += delta;
        windows.set(`${node.id}\n${ordinal}`, { from: prior!.read_at_ms, to: engine.read_at_ms });
      });
    }
    let own = 0;
    for (const entry of ledger.entries) {
      if (entry.engine === null) continue;
      const window = windows.get(`${entry.node}\n${entry.engine}`);
      if (window && entry.at_ms > window.from && entry.at_ms <= window.to) own++;
    }
    this.own = this.own * SHARE_DECAY + own;
    this.arrived = this.arrived * SHARE_DECAY + arrived;
    return this.weight;
  }
}

/** Requests that reached the engine between two readings, or null when they cannot be compared. */
function arrivals(before: FleetEngine, after: FleetEngine): number | null {
  if (before.kind !== after.kind || !(after.read_at_ms > before.read_at_ms)) return null;
  if (before.requests_total === null || after.requests_total === null || after.requests_total < before.requests_total) return null;
  const inFlight = (e: FleetEngine) => (e.running ?? 0) + (e.waiting ?? 0);
  return Math.max(0, after.requests_total - before.requests_total + inFlight(after) - inFlight(before));
}
