/**
 * Operations per day at the default settings, against Cloudflare's published limits and prices,
 * from the code's own constants (so docs/deploy.md cannot drift: a test compares its table with
 * budgetMarkdown()). `npm run deploy -- --budget [--nodes N] [--isolates M]` prints it for a fleet.
 *
 * Sources, read 2026-11 (cited in docs/deploy.md):
 * - Workers KV limits: https://developers.cloudflare.com/kv/platform/limits/ (Free: 100,000 reads,
 *   1,000 writes per day; one write per second per key) and pricing:
 *   https://developers.cloudflare.com/kv/platform/pricing/ (Free: 1,000 list and 1,000 delete
 *   operations per day; Paid: 10 M reads and 1 M writes, deletes and lists a month included, then
 *   $0.50 per million reads and $5.00 per million writes, deletes or lists).
 * - Durable Objects pricing: https://developers.cloudflare.com/durable-objects/platform/pricing/
 *   (Free: 100,000 requests a day; Paid: 1 M a month, then $0.15 per million; every RPC method call
 *   and alarm is one request).
 * - Workers limits and pricing: https://developers.cloudflare.com/workers/platform/limits/ and
 *   https://developers.cloudflare.com/workers/platform/pricing/ (Free: 100,000 requests a day;
 *   Paid: $5 a month with 10 M requests, then $0.30 per million).
 */
import { DEFAULT_INTERVAL_MS } from "../../cli/agent/options";
import { DEFAULT_TTL_MS } from "../../src/routing/context";
import { REFRESH_MS as BREAKER_REFRESH_MS } from "../../src/gateway/breaker-cache";
import { FLUSH_INTERVAL_MS } from "../../src/operator/metrics/recorder";
import { AGENT_TOUCH_MS } from "../../src/telemetry/agent-object";
import { NODE_TTL_S } from "../../src/telemetry/store";
import { PER_PUSH, PER_REFRESH, type Operations } from "./operations";

const DAY_MS = 86_400_000;
const DAYS_PER_MONTH = 30;

export const KINDS = ["workerRequests", "kvReads", "kvWrites", "kvLists", "doRequests"] as const satisfies ReadonlyArray<keyof Operations>;
export const LABELS: Record<keyof Operations, string> = {
  workerRequests: "Worker requests",
  kvReads: "KV reads",
  kvWrites: "KV writes",
  kvLists: "KV lists",
  doRequests: "Durable Object requests",
};

/** Workers Free plan, per day. */
export const FREE_PER_DAY: Operations = { workerRequests: 100_000, kvReads: 100_000, kvWrites: 1_000, kvLists: 1_000, doRequests: 100_000 };
/** Workers Paid plan ($5 a month): included per month. */
export const PAID_INCLUDED_PER_MONTH: Operations = { workerRequests: 10_000_000, kvReads: 10_000_000, kvWrites: 1_000_000, kvLists: 1_000_000, doRequests: 1_000_000 };
/** Workers Paid plan: US dollars per million beyond the included amount. */
export const PAID_USD_PER_MILLION: Operations = { workerRequests: 0.3, kvReads: 0.5, kvWrites: 5, kvLists: 5, doRequests: 0.15 };
export const PAID_BASE_USD_PER_MONTH = 5;

export interface Fleet {
  /** Nodes, each with one agent pushing every `intervalMs`. */
  nodes: number;
  /** Isolates that serve routing or chat requests without a pause (each refreshes every TTL and flushes metrics every second). */
  busyIsolates: number;
  /**
   * Data centers those isolates run in (default: one each, the case with nothing to share). The
   * isolates of one data center share the fleet and experiments lists through the Cache API (src/colo-copy.ts):
   * an isolate lists only when the shared copy is older than TTL/2, so a location lists at most
   * twice per TTL however many isolates it runs, and an isolate alone still once per TTL.
   */
  locations?: number;
  intervalMs?: number;
  cacheTtlMs?: number;
  flushMs?: number;
}

/** Operations per day of `fleet` at the default settings, not counting the client requests themselves. */
export function perDay(fleet: Fleet): Operations {
  const pushes = (fleet.nodes * DAY_MS) / (fleet.intervalMs ?? DEFAULT_INTERVAL_MS);
  const refreshes = (fleet.busyIsolates * DAY_MS) / (fleet.cacheTtlMs ?? DEFAULT_TTL_MS);
  const fleetPages = Math.max(1, Math.ceil(fleet.nodes / 1000));
  // Per node and day: the agent's claim is refreshed every AGENT_TOUCH_MS, and the node's object runs one alarm per NODE_TTL_S.
  const perNode = DAY_MS / AGENT_TOUCH_MS + DAY_MS / (NODE_TTL_S * 1000);
  const flushes = (fleet.busyIsolates * DAY_MS) / (fleet.flushMs ?? FLUSH_INTERVAL_MS);
  // A busy isolate serving the gateway reads the shared breakers at most once per BREAKER_REFRESH_MS (src/gateway/breaker-cache.ts).
  const breakerReads = (fleet.busyIsolates * DAY_MS) / BREAKER_REFRESH_MS;
  const locations = Math.min(fleet.busyIsolates, fleet.locations ?? fleet.busyIsolates);
  // Upper bound per location with k isolates: min(k, 2) listings per TTL.
  const fleetListers = Math.min(fleet.busyIsolates, 2 * locations);
  const fleetRefreshes = (fleetListers * DAY_MS) / (fleet.cacheTtlMs ?? DEFAULT_TTL_MS);
  return {
    workerRequests: pushes * PER_PUSH.workerRequests,
    kvReads: pushes * PER_PUSH.kvReads + refreshes * PER_REFRESH.kvReads,
    kvWrites: pushes * PER_PUSH.kvWrites,
    // The fleet's list (a page per 1,000 nodes) and the experiments index's, both shared per location.
    kvLists: fleetRefreshes * (PER_REFRESH.kvLists - 1 + fleetPages),
    doRequests: pushes * PER_PUSH.doRequests + fleet.nodes * perNode + flushes + breakerReads,
  };
}

/** How long the Free plan's daily allowance of each kind lasts, in minutes (Infinity when it is not used up). */
export function freeMinutes(day: Operations): Operations {
  const out = {} as Operations;
  for (const kind of KINDS) out[kind] = day[kind] <= FREE_PER_DAY[kind] ? Infinity : (FREE_PER_DAY[kind] / day[kind]) * 24 * 60;
  return out;
}

/** US dollars a month on the Paid plan: the base fee plus every kind beyond its inclusion. */
export function paidUsdPerMonth(day: Operations): number {
  let usd = PAID_BASE_USD_PER_MONTH;
  for (const kind of KINDS) usd += (Math.max(0, day[kind] * DAYS_PER_MONTH - PAID_INCLUDED_PER_MONTH[kind]) / 1_000_000) * PAID_USD_PER_MILLION[kind];
  return usd;
}

const n = (x: number) => Math.round(x).toLocaleString("en-US");
const minutes = (m: number) => (m === Infinity ? "not used up" : m < 120 ? `${Math.round(m)} min` : `${(m / 60).toFixed(1)} h`);

/** The guide's table for `fleets`: operations per day, how long Free lasts, and the Paid bill. */
export function budgetMarkdown(fleets: Fleet[]): string {
  const head = `| per day | ${fleets.map((f) => `${f.nodes} node${f.nodes === 1 ? "" : "s"}, ${f.busyIsolates} busy isolate${f.busyIsolates === 1 ? "" : "s"}`).join(" | ")} | Free plan per day |`;
  const rule = `| --- | ${fleets.map(() => "---:").join(" | ")} | ---: |`;
  const days = fleets.map(perDay);
  const rows = KINDS.map((kind) => `| ${LABELS[kind]} | ${days.map((d) => n(d[kind])).join(" | ")} | ${n(FREE_PER_DAY[kind])} |`);
  const first = (d: Operations) => {
    const left = freeMinutes(d);
    const kind = KINDS.reduce((a, b) => (left[a] <= left[b] ? a : b));
    return left[kind] === Infinity ? "never" : `${minutes(left[kind])} (${LABELS[kind]})`;
  };
  rows.push(`| Free plan runs out after | ${days.map(first).join(" | ")} | |`);
  rows.push(`| Paid plan, per month | ${days.map((d) => `$${paidUsdPerMonth(d).toFixed(2)}`).join(" | ")} | |`);
  return [head, rule, ...rows].join("\n");
}

/** The fleets docs/deploy.md shows: the smallest that routes, and a small production fleet. */
export const GUIDE_FLEETS: Fleet[] = [
  { nodes: 1, busyIsolates: 1 },
  { nodes: 16, busyIsolates: 4 },
];

/** The settings the numbers assume, from the code. */
export const DEFAULTS = {
  intervalMs: DEFAULT_INTERVAL_MS,
  cacheTtlMs: DEFAULT_TTL_MS,
  flushMs: FLUSH_INTERVAL_MS,
  agentTouchMs: AGENT_TOUCH_MS,
  nodeTtlS: NODE_TTL_S,
} as const;

/** What keeping the routing view fresh costs a month on the Paid plan (KV lists and reads only, beyond the inclusions). */
export function viewUsdPerMonth(fleet: Fleet): number {
  const day = perDay({ ...fleet, nodes: fleet.nodes });
  const kinds = ["kvReads", "kvLists"] as const;
  let usd = 0;
  // The refresh's reads and lists alone: the pushes' reads are the fleet's, not the isolates'.
  const pushes = perDay({ nodes: fleet.nodes, busyIsolates: 0, intervalMs: fleet.intervalMs });
  for (const kind of kinds) usd += (Math.max(0, (day[kind] - pushes[kind]) * DAYS_PER_MONTH - PAID_INCLUDED_PER_MONTH[kind]) / 1_000_000) * PAID_USD_PER_MILLION[kind];
  return usd;
}

/** The routing view's fleets in docs/deploy.md: 100 and 1,000 busy isolates, spread over 1 per location (nothing shared) or 10 per location. */
export const VIEW_FLEETS: Fleet[] = [
  { nodes: 100, busyIsolates: 100, locations: 100 },
  { nodes: 100, busyIsolates: 100, locations: 10 },
  { nodes: 100, busyIsolates: 1000, locations: 1000 },
  { nodes: 100, busyIsolates: 1000, locations: 100 },
];

/** The guide's routing-view table: KV lists a day and $ a month for each of `fleets`. */
export function viewMarkdown(fleets: Fleet[]): string {
  const rows = fleets.map((f) => {
    const day = perDay(f);
    const pushes = perDay({ nodes: f.nodes, busyIsolates: 0 });
    const perIsolate = perDay({ ...f, locations: f.busyIsolates });
    return `| ${n(f.busyIsolates)} | ${n(f.locations ?? f.busyIsolates)} | ${n(perIsolate.kvLists)} | ${n(day.kvLists)} | ${n(day.kvReads - pushes.kvReads)} | $${viewUsdPerMonth(f).toFixed(2)} |`;
  });
  return ["| busy isolates | data centers | KV lists a day, each isolate listing | KV lists a day, shared per data center | KV reads a day | $ a month (lists + reads beyond the inclusions) |", "| ---: | ---: | ---: | ---: | ---: | ---: |", ...rows].join("\n");
}
