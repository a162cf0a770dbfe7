// GPU placement: which GPU takes a model. Called by route() for each ranked candidate; route()
// records only the chosen one (recordPlacement).
//
// Two kinds of candidate GPU, in this order:
//   serving — GPUs of nodes whose snapshot says they serve the model, and GPUs this kernel sent a
//             load of it to since (the LOADS ring); the weights are resident, so they need only
//             the headroom free — and a total memory that can hold the model at all;
//   load    — healthy GPUs with room for the model's footprint plus the headroom, most free first.
// Among at most CANDIDATE_LIMIT candidates of a kind: the better of two drawn by the request's
// seed (power of two choices), or the best when C_PLACEMENT_CHOICES is 1. Between snapshots the
// view is frozen, so always naming the single best GPU would send it every request until the next
// push; the draw spreads them, and what this kernel sent since a node's snapshot counts against
// that node's GPUs (estimated utilization, reserved memory) until its agent reports again.
// route() asks first in the strict pass — under the utilization limit counting what was sent since
// the snapshot, and C_THERMAL_MARGIN below the temperature limit, because a GPU keeps heating for
// the seconds until its next push — for every ranked model before any lenient pass, which trusts
// the snapshot alone. A lower-ranked model with spare capacity is preferred to queueing behind a
// saturated better one, and own estimates never turn into a refusal.
import {
  H_GPUS, H_GPU_NODE, H_GPU_FREE, H_GPU_TEMP, H_GPU_UTIL, H_GPU_HEALTHY, H_GPU_SORTED, H_GPU_RANK,
  H_NODE_TAKEN_AT, H_NODE_GPU_OFF, H_NODE_GPU_IDX, H_MODEL_NODE_OFF, H_MODEL_NODE_IDX, H_GPU_SENT,
  H_GPU_RESERVED, H_GPU_MARK, H_MODEL_LOADS, H_GPU_TOTAL, H_LOADS_NEXT, HEADER_BASE, CANDIDATES_BASE, CANDIDATE_LIMIT, LOADS_BASE,
  LOADS_RING, C_MAX_TEMPERATURE, C_MAX_UTILIZATION, C_REQUEST_LOAD, C_PLACEMENT_CHOICES, C_THERMAL_MARGIN,
} from "./layout";
import { header, config, getI32, setI32, getF64, setF64 } from "./memory";

/** Set by findGpu: whether the GPU it returned is a serving candidate (no load needed). */
export let foundServing: bool = false;
let stamp: i32 = 0;
// Most effective free memory among the GPUs usable in the current pass, computed on the pass's
// first miss (passCanPlace). A candidate needing more cannot load anywhere and skips the scan,
// and a pass where even the headroom does not fit stops early: without this, a fleet the
// estimate calls saturated made every ranked model scan every GPU. Lazy, so the common case
// (the best model places at once) never pays the O(GPUs) scan.
let passMaxFree: f64 = Infinity;
let passKnown: bool = false;
let passStale: bool = false;
let passStrict: bool = false;

/** route() calls this before each placement pass. */
export function startPass(stale: bool, strict: bool): void {
  passKnown = false;
  passMaxFree = Infinity;
  passStale = stale;
  passStrict = strict;
}

/** False when nothing can be placed in this pass: no usable GPU has even the headroom free. */
export function passCanPlace(now: f64, staleAfter: f64, headroom: f64): bool {
  if (!passKnown) {
    passMaxFree = -Infinity;
    const gpus = header(H_GPUS);
    for (let g = 0; g < gpus; g++) {
      if (usable(g, passStale, passStrict, now, staleAfter) && effectiveFree(g) > passMaxFree) passMaxFree = effectiveFree(g);
    }
    passKnown = true;
  }
  return passMaxFree >= headroom;
}

/** Healthy = temperature and utilization known and under the registry's thresholds. */
export function initFleet(): void {
  const gpus = header(H_GPUS);
  const maxTemperature = config(C_MAX_TEMPERATURE);
  const maxUtilization = config(C_MAX_UTILIZATION);
  for (let g = 0; g < gpus; g++) {
    const t = getF64(H_GPU_TEMP, g);
    const u = getF64(H_GPU_UTIL, g);
    // NaN (unknown) fails both comparisons: unknown is not healthy.
    store<i32>(header(H_GPU_MARK) + (g << 2), 0);
    setI32(H_GPU_HEALTHY, g, t < maxTemperature && u < maxUtilization ? 1 : 0);
  }
}

@inline function estimatedUtil(g: i32): f64 {
  return getF64(H_GPU_UTIL, g) + <f64>getI32(H_GPU_SENT, g) * config(C_REQUEST_LOAD);
}

@inline function effectiveFree(g: i32): f64 {
  return getF64(H_GPU_FREE, g) - getF64(H_GPU_RESERVED, g);
}

@inline function candidate(i: i32): i32 {
  return load<i32>(CANDIDATES_BASE + (i << 2));
}

/** Healthy by its snapshot, of the wanted tier, and (strict) with utilization and thermal headroom. */
function usable(g: i32, stale: bool, strict: bool, now: f64, staleAfter: f64): bool {
  if (getI32(H_GPU_HEALTHY, g) == 0) return false;
  if (!(now - getF64(H_NODE_TAKEN_AT, getI32(H_GPU_NODE, g)) < staleAfter) != stale) return false;
  return !strict || (estimatedUtil(g) < config(C_MAX_UTILIZATION) && getF64(H_GPU_TEMP, g) < config(C_MAX_TEMPERATURE) - config(C_THERMAL_MARGIN));
}

/** Serving kind: lower estimated utilization, then more free memory, then placement order. */
function servingBetter(a: i32, b: i32): bool {
  const ua = estimatedUtil(a);
  const ub = estimatedUtil(b);
  if (ua != ub) return ua < ub;
  const fa = effectiveFree(a);
  const fb = effectiveFree(b);
  if (fa != fb) return fa > fb;
  return getI32(H_GPU_RANK, a) < getI32(H_GPU_RANK, b);
}

/** Load kind: more free memory, then lower estimated utilization, then placement order. */
function loadBetter(a: i32, b: i32): bool {
  const fa = effectiveFree(a);
  const fb = effectiveFree(b);
  if (fa != fb) return fa > fb;
  const ua = estimatedUtil(a);
  const ub = estimatedUtil(b);
  if (ua != ub) return ua < ub;
  return getI32(H_GPU_RANK, a) < getI32(H_GPU_RANK, b);
}

@inline function better(a: i32, b: i32, serving: bool): bool {
  return serving ? servingBetter(a, b) : loadBetter(a, b);
}

/** One of `count` candidates: the best, or the better of two the seed draws. -1 when none. */
function choose(count: i32, serving: bool, seed: f64): i32 {
  if (count == 0) return -1;
  if (count == 1) return candidate(0);
  if (config(C_PLACEMENT_CHOICES) < 2) {
    let best = candidate(0);
    for (let i = 1; i < count; i++) if (better(candidate(i), best, serving)) best = candidate(i);
    return best;
  }
  const k = <f64>count;
  const first = <i32>(seed % k);
  let second = <i32>(Math.floor(seed / k) % k);
  if (second == first) second = (first + 1) % count;
  const a = candidate(first);
  const b = candidate(second);
  return better(b, a, serving) ? b : a;
}

/** A serving GPU must have the headroom free and be large enough for the model (unknown size is not). */
@inline function canServe(g: i32, memory: f64, headroom: f64): bool {
  return effectiveFree(g) >= headroom && getF64(H_GPU_TOTAL, g) >= memory;
}

function servingCandidates(model: i32, memory: f64, headroom: f64, stale: bool, strict: bool, now: f64, staleAfter: f64, seed: f64): i32 {
  stamp++;
  let count = 0;
  const nodesFrom = getI32(H_MODEL_NODE_OFF, model);
  const serving = getI32(H_MODEL_NODE_OFF, model + 1) - nodesFrom;
  // Start at a node the seed picks: with more than CANDIDATE_LIMIT GPUs serving the model, a fixed
  // start would always offer the same (lowest-numbered) nodes.
  const start = serving > 0 ? <i32>(seed % <f64>serving) : 0;
  for (let i = 0; i < serving && count < CANDIDATE_LIMIT; i++) {
    const node = getI32(H_MODEL_NODE_IDX, nodesFrom + (start + i) % serving);
    const gpusTo = getI32(H_NODE_GPU_OFF, node + 1);
    for (let j = getI32(H_NODE_GPU_OFF, node); j < gpusTo && count < CANDIDATE_LIMIT; j++) {
      const g = getI32(H_NODE_GPU_IDX, j);
      if (!usable(g, stale, strict, now, staleAfter) || !canServe(g, memory, headroom)) continue;
      setI32(H_GPU_MARK, g, stamp);
      store<i32>(CANDIDATES_BASE + (count++ << 2), g);
    }
  }
  // Most models have no recent load: skip the ring for them.
  if (getI32(H_MODEL_LOADS, model) == 0) return count;
  const loads = header(H_LOADS_NEXT);
  const kept = loads < LOADS_RING ? loads : LOADS_RING;
  for (let i = 0; i < kept && count < CANDIDATE_LIMIT; i++) {
    const slot = LOADS_BASE + (((loads - kept + i) % LOADS_RING) << 3);
    const g = load<i32>(slot);
    if (load<i32>(slot + 4) != model || getI32(H_GPU_MARK, g) == stamp) continue;
    if (!usable(g, stale, strict, now, staleAfter) || !canServe(g, memory, headroom)) continue;
    setI32(H_GPU_MARK, g, stamp);
    store<i32>(CANDIDATES_BASE + (count++ << 2), g);
  }
  return count;
}

function loadCandidates(need: f64, stale: bool, strict: bool, now: f64, staleAfter: f64): i32 {
  let count = 0;
  const gpus = header(H_GPUS);
  if (!(need <= passMaxFree)) return 0;
  for (let r = 0; r < gpus && count < CANDIDATE_LIMIT; r++) {
    const g = getI32(H_GPU_SORTED, r);
    // Sorted by reported free memory: once it is short, every later GPU is short too.
    if (!(getF64(H_GPU_FREE, g) >= need)) break;
    if (usable(g, stale, strict, now, staleAfter) && effectiveFree(g) >= need) store<i32>(CANDIDATES_BASE + (count++ << 2), g);
  }
  return count;
}

/** A GPU for `model` in one pass (fresh or stale nodes; strict or lenient); -1 when none fits. */
export function findGpu(model: i32, memory: f64, headroom: f64, stale: bool, strict: bool, now: f64, staleAfter: f64, seed: f64): i32 {
  let g = choose(servingCandidates(model, memory, headroom, stale, strict, now, staleAfter, seed), true, seed);
  foundServing = g >= 0;
  if (g < 0) g = choose(loadCandidates(memory + headroom, stale, strict, now, staleAfter), false, seed);
  return g;
}

/** Counts a chosen placement against its GPU until that node's next snapshot. */
export function recordPlacement(g: i32, model: i32, memory: f64, serving: bool): void {
  setI32(H_GPU_SENT, g, getI32(H_GPU_SENT, g) + 1);
  if (serving) return;
  setF64(H_GPU_RESERVED, g, getF64(H_GPU_RESERVED, g) + memory);
  const loads = header(H_LOADS_NEXT);
  const slot = LOADS_BASE + ((loads % LOADS_RING) << 3);
  if (loads >= LOADS_RING) {
    const overwritten = load<i32>(slot + 4);
    setI32(H_MODEL_LOADS, overwritten, getI32(H_MODEL_LOADS, overwritten) - 1);
  }
  setI32(H_MODEL_LOADS, model, getI32(H_MODEL_LOADS, model) + 1);
  store<i32>(slot, g);
  store<i32>(slot + 4, model);
  store<i32>(HEADER_BASE + (H_LOADS_NEXT << 2), loads + 1);
}
