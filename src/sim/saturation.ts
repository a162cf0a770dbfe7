/**
 * The `saturated` scenario's arrival rate, fixed by a rule chosen before any policy was compared:
 * the offered rate at which the static policy alone serves SATURATION_TARGET of the requests it is
 * offered, found by bisection over rate_per_gpu with everything else (fleet, seed, duration,
 * telemetry) as configured. Only static runs here, so the rate cannot favour the router. Pure:
 * called by cli/sim with the kernel module.
 */
import type { Registry } from "../registry/schema";
import type { SimConfig } from "./config";
import { POLICIES } from "./policies";
import { runScenario } from "./run";

/** Share of offered requests static serves at the saturated rate. */
export const SATURATION_TARGET = 0.8;
/** Bisection stops when the bracket is this narrow, relative to its upper end. */
export const RATE_TOLERANCE = 0.01;
const MAX_STEPS = 24;

export interface SaturationProbe {
  rate_per_gpu: number;
  served_share: number;
}

export interface SaturationInput {
  config: SimConfig;
  registry: Registry;
  kernelModule: WebAssembly.Module;
  /** Called after each static run. */
  onProbe?: (probe: SaturationProbe) => void;
}

/** The served share of static at `rate_per_gpu`. */
export function staticServedShare(input: SaturationInput, rate_per_gpu: number): number {
  const policy = POLICIES.find((p) => p.id === "static")!;
  const config = { ...input.config, trace: { ...input.config.trace, rate_per_gpu } };
  const report = runScenario({ scenario: "saturated-probe", config, registry: input.registry, policies: [policy], kernelModule: input.kernelModule });
  const r = report.results[0]!.requests;
  return r.arrived === 0 ? 1 : r.served / r.arrived;
}

/**
 * The rate per GPU at which static serves SATURATION_TARGET: the bracket starts at the config's
 * rate and doubles until static serves less, then halves. Returns the upper end of the final
 * bracket (static serves at most the target there) and every probe made.
 */
export function findSaturatedRate(input: SaturationInput): { rate_per_gpu: number; probes: SaturationProbe[] } {
  const probes: SaturationProbe[] = [];
  const probe = (rate: number): number => {
    const share = staticServedShare(input, rate);
    const p = { rate_per_gpu: rate, served_share: share };
    probes.push(p);
    input.onProbe?.(p);
    return share;
  };
  let lo = input.config.trace.rate_per_gpu;
  let hi = lo;
  if (probe(lo) <= SATURATION_TARGET) {
    // Already past the target at the configured rate: search below it.
    while (lo > 1e-3 && probe((lo /= 2)) <= SATURATION_TARGET) hi = lo;
  } else {
    while (probe((hi *= 2)) > SATURATION_TARGET) lo = hi;
  }
  for (let step = 0; step < MAX_STEPS && hi - lo > RATE_TOLERANCE * hi; step++) {
    const mid = (lo + hi) / 2;
    if (probe(mid) > SATURATION_TARGET) lo = mid;
    else hi = mid;
  }
  return { rate_per_gpu: Math.round(hi * 1e4) / 1e4, probes };
}
