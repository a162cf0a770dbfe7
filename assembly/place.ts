// GPU placement: which replica (engine, GPU) takes a model. Called by route() for each ranked
// candidate; route() records only the chosen one (recordPlacement).
//
// The host packs each node's serving engines as replica sources (src/kernel/replicas.ts): real
// engines with their own load (running, waiting, KV-cache usage), a pseudo engine for models a
// node lists without an engine reporting them, and a loader for a node without engine data.
// Two kinds of candidate, in this order:
//   serving — engines that serve the model (and GPUs this kernel sent a load of it to since, the
//             LOADS ring). An engine whose load is known is scored by its load factor, requests in
//             it (running + waiting + this kernel's placements since its snapshot × C_OWN_WEIGHT)
//             per unit of batch capacity, and is saturated when the predicted queue reaches
//             C_SAT_WAITING or the predicted KV-cache usage C_SAT_KV (the Gateway API Inference
//             Extension's saturation detector). GPU utilization is not a health signal for it:
//             a serving engine reads 100% under light load. An engine of unknown load is scored by
//             the GPU's utilization as before engines existed, and ranks after every known one.
//   load    — only when no replica is unsaturated: GPUs of an on-demand engine (or of a node
//             without engine data) with room for the model's footprint plus the headroom, most
//             free first. A node with only fixed engines never gets a model it does not serve.
// Among at most CANDIDATE_LIMIT candidates of a kind: the better of two drawn by the request's
// seed (power of two choices), or the best when C_PLACEMENT_CHOICES is 1. Between snapshots the
// view is frozen, and every isolate of the worker sees the same one: always naming the single best
// replica would herd every isolate onto it; the draw spreads them.
// route() asks first in the strict pass (unsaturated, thermal margin) for every ranked model
// before any lenient pass, which trusts the snapshot alone: a lower-ranked model with spare
// capacity is preferred to queueing behind a saturated better one.
import {
  H_GPUS, H_GPU_NODE, H_GPU_FREE, H_GPU_TEMP, H_GPU_UTIL, H_GPU_HEALTHY, H_GPU_SORTED, H_GPU_RANK, H_NODE_TAKEN_AT, H_MODEL_ENG_OFF, H_MODEL_ENG_IDX, H_GPU_SENT, H_GPU_RESERVED, H_GPU_MARK, H_MODEL_LOADS, H_GPU_TOTAL, H_GPU_LOADER, H_LOADS_NEXT, H_ENG_NODE, H_ENG_GPU_OFF, H_ENG_GPU_IDX, CANDIDATES_BASE, CANDIDATE_LIMIT, LOADS_BASE, LOADS_RING, C_MAX_TEMPERATURE, C_MAX_UTILIZATION, C_REQUEST_LOAD, C_PLACEMENT_CHOICES, C_THERMAL_MARGIN, EL_READ_AT, H_NODE_FLAGS, NODE_EXCLUDED, R_USE_EXCLUDE,
} from "./layout";
import { header, config, request, getI32, setI32, getF64, setF64, getU8 } from "./memory";
import { engLoad, known, loadFactor, saturated } from "./replica-load";

/** Set by findGpu: whether the GPU it returned is a serving candidate (no load needed), and its engine. */
export let foundServing: bool = false;
export let foundEngine: i32 = -1;
let stamp: i32 = 0;
// Most effective free memory among the GPUs a load may use in the current pass, computed on the
// pass's first load scan. A model needing more cannot load anywhere and skips the scan: without
// this, a fleet the estimate calls full made every ranked model scan every GPU.
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

/** Healthy = temperature and utilization known and under the registry's thresholds. */
export function initFleet(): void {
  const gpus = header(H_GPUS);
  const maxTemperature = config(C_MAX_TEMPERATURE);
  const maxUtilization = config(C_MAX_UTILIZATION);
  for (let g = 0; g < gpus; g++) {
    const t = getF64(H_GPU_TEMP, g);
    const u = getF64(H_GPU_UTIL, g);
    // NaN (unknown) fails both comparisons: unknown is not healthy.
    setI32(H_GPU_MARK, g, 0);
    setI32(H_GPU_HEALTHY, g, t < maxTemperature && u < maxUtilization ? 1 : 0);
  }
}

@inline function estimatedUtil(g: i32): f64 {
  return getF64(H_GPU_UTIL, g) + <f64>getI32(H_GPU_SENT, g) * config(C_REQUEST_LOAD);
}

@inline function effectiveFree(g: i32): f64 {
  return getF64(H_GPU_FREE, g) - getF64(H_GPU_RESERVED, g);
}

@inline function candidateGpu(i: i32): i32 {
  return load<i32>(CANDIDATES_BASE + (i << 3));
}

@inline function candidateEngine(i: i32): i32 {
  return load<i32>(CANDIDATES_BASE + (i << 3) + 4);
}

@inline function addCandidate(count: i32, g: i32, e: i32): void {
  store<i32>(CANDIDATES_BASE + (count << 3), g);
  store<i32>(CANDIDATES_BASE + (count << 3) + 4, e);
}

@inline function nodeFresh(node: i32, now: f64, staleAfter: f64): bool {
  return now - getF64(H_NODE_TAKEN_AT, node) < staleAfter;
}

@inline function excluded(node: i32): bool {
  return request(R_USE_EXCLUDE) != 0 && (getU8(H_NODE_FLAGS, node) & NODE_EXCLUDED) != 0;
}

/** The fresh tier: node snapshot and (for a known engine) the engine's own reading are recent. */
function engineInTier(e: i32, stale: bool, now: f64, staleAfter: f64): bool {
  if (excluded(getI32(H_ENG_NODE, e))) return false;
  let fresh = nodeFresh(getI32(H_ENG_NODE, e), now, staleAfter);
  if (fresh && known(e)) fresh = now - engLoad(e, EL_READ_AT) < staleAfter;
  return fresh != stale;
}

/** Healthy by its snapshot, of the wanted tier, and (strict) with utilization and thermal headroom. */
function usable(g: i32, stale: bool, strict: bool, now: f64, staleAfter: f64): bool {
  if (getI32(H_GPU_HEALTHY, g) == 0 || excluded(getI32(H_GPU_NODE, g))) return false;
  if (nodeFresh(getI32(H_GPU_NODE, g), now, staleAfter) == stale) return false;
  return !strict || (estimatedUtil(g) < config(C_MAX_UTILIZATION) && getF64(H_GPU_TEMP, g) < config(C_MAX_TEMPERATURE) - config(C_THERMAL_MARGIN));
}

/** A GPU of a known engine: only temperature counts (utilization reads 100% under light load). */
@inline function coolEnough(g: i32, strict: bool): bool {
  const limit = strict ? config(C_MAX_TEMPERATURE) - config(C_THERMAL_MARGIN) : config(C_MAX_TEMPERATURE);
  return getF64(H_GPU_TEMP, g) < limit;
}

/** A serving GPU of an engine of unknown load must have the headroom free and hold the model at all. */
@inline function canServe(g: i32, memory: f64, headroom: f64): bool {
  return effectiveFree(g) >= headroom && getF64(H_GPU_TOTAL, g) >= memory;
}

/** Serving kind: known load first (lower load factor), else lower estimated utilization, more free memory; then placement order. */
function servingBetter(a: i32, ea: i32, b: i32, eb: i32): bool {
  const ka = known(ea);
  if (ka != known(eb)) return ka;
  if (ka) {
    const la = loadFactor(ea);
    const lb = loadFactor(eb);
    if (la != lb) return la < lb;
  } else {
    const ua = estimatedUtil(a);
    const ub = estimatedUtil(b);
    if (ua != ub) return ua < ub;
    const fa = effectiveFree(a);
    const fb = effectiveFree(b);
    if (fa != fb) return fa > fb;
  }
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

@inline function better(i: i32, j: i32, serving: bool): bool {
  return serving
    ? servingBetter(candidateGpu(i), candidateEngine(i), candidateGpu(j), candidateEngine(j))
    : loadBetter(candidateGpu(i), candidateGpu(j));
}

/** One of `count` candidates (its position): the best, or the better of two the seed draws. -1 when none. */
function choose(count: i32, serving: bool, seed: f64): i32 {
  if (count == 0) return -1;
  if (count == 1) return 0;
  if (config(C_PLACEMENT_CHOICES) < 2) {
    let best = 0;
    for (let i = 1; i < count; i++) if (better(i, best, serving)) best = i;
    return best;
  }
  const k = <f64>count;
  const first = <i32>(seed % k);
  let second = <i32>(Math.floor(seed / k) % k);
  if (second == first) second = (first + 1) % count;
  return better(second, first, serving) ? second : first;
}

/** The first GPU of known engine `e`, in placement order, cool enough for this pass; -1 when none. */
function coolGpu(e: i32, strict: bool): i32 {
  const to = getI32(H_ENG_GPU_OFF, e + 1);
  for (let j = getI32(H_ENG_GPU_OFF, e); j < to; j++) {
    const g = getI32(H_ENG_GPU_IDX, j);
    if (coolEnough(g, strict)) return g;
  }
  return -1;
}

function servingCandidates(model: i32, memory: f64, headroom: f64, stale: bool, strict: bool, now: f64, staleAfter: f64, seed: f64): i32 {
  stamp++;
  let count = 0;
  const from = getI32(H_MODEL_ENG_OFF, model);
  const replicas = getI32(H_MODEL_ENG_OFF, model + 1) - from;
  // Start at a replica the seed picks: with more than CANDIDATE_LIMIT replicas, a fixed start would
  // always offer the same (lowest-numbered) ones.
  const start = replicas > 0 ? <i32>(seed % <f64>replicas) : 0;
  for (let i = 0; i < replicas && count < CANDIDATE_LIMIT; i++) {
    const e = getI32(H_MODEL_ENG_IDX, from + (start + i) % replicas);
    if (!engineInTier(e, stale, now, staleAfter)) continue;
    if (known(e)) {
      // One candidate per engine: its load is the engine's, whichever of its GPUs runs the request.
      if (strict && saturated(e)) continue;
      const g = coolGpu(e, strict);
      if (g < 0) continue;
      setI32(H_GPU_MARK, g, stamp);
      addCandidate(count++, g, e);
      continue;
    }
    // Load unknown: each usable GPU is a candidate, scored by its own utilization.
    const to = getI32(H_ENG_GPU_OFF, e + 1);
    for (let j = getI32(H_ENG_GPU_OFF, e); j < to && count < CANDIDATE_LIMIT; j++) {
      const g = getI32(H_ENG_GPU_IDX, j);
      if (getI32(H_GPU_MARK, g) == stamp || !usable(g, stale, strict, now, staleAfter) || !canServe(g, memory, headroom)) continue;
      setI32(H_GPU_MARK, g, stamp);
      addCandidate(count++, g, e);
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
    const e = getI32(H_GPU_LOADER, g);
    if (known(e)) {
      if (!engineInTier(e, stale, now, staleAfter) || !coolEnough(g, strict) || (strict && saturated(e))) continue;
    } else if (!usable(g, stale, strict, now, staleAfter) || !canServe(g, memory, headroom)) {
      continue;
    }
    setI32(H_GPU_MARK, g, stamp);
    addCandidate(count++, g, e);
  }
  return count;
}

/** A GPU a load may use in this pass: an on-demand engine's (unsaturated when strict) or a node's without engine data. */
function loadable(g: i32, stale: bool, strict: bool, now: f64, staleAfter: f64): bool {
  const e = getI32(H_GPU_LOADER, g);
  if (e < 0 || !usable(g, stale, strict, now, staleAfter)) return false;
  return !(strict && known(e) && saturated(e));
}

function loadCandidates(need: f64, stale: bool, strict: bool, now: f64, staleAfter: f64, seed: f64): i32 {
  const gpus = header(H_GPUS);
  if (!passKnown) {
    passMaxFree = -Infinity;
    // In free-memory order (most first): effective free never exceeds reported free, so once a
    // GPU's reported free is no more than the best effective free found, none after it can beat it.
    for (let i = 0; i < gpus; i++) {
      const g = getI32(H_GPU_SORTED, i);
      if (getF64(H_GPU_FREE, g) <= passMaxFree) break;
      if (loadable(g, passStale, passStrict, now, staleAfter) && effectiveFree(g) > passMaxFree) passMaxFree = effectiveFree(g);
    }
    passKnown = true;
  }
  if (!(need <= passMaxFree)) return 0;
  // GPUs are sorted by reported free memory, so the ones with room are a prefix; find its end.
  let lo = 0;
  let hi = gpus;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (getF64(H_GPU_FREE, getI32(H_GPU_SORTED, mid)) >= need) lo = mid + 1;
    else hi = mid;
  }
  const fitting = lo;
  // With two choices, start at a GPU the seed picks: every isolate sees the same snapshot, and a
  // fixed start would offer them all the same few GPUs (a cold fleet then had every isolate load
  // onto them at once, more than they hold). With one choice the best must be among them.
  const start = config(C_PLACEMENT_CHOICES) < 2 || fitting == 0 ? 0 : <i32>(seed % <f64>fitting);
  let count = 0;
  for (let i = 0; i < fitting && count < CANDIDATE_LIMIT; i++) {
    const g = getI32(H_GPU_SORTED, (start + i) % fitting);
    if (loadable(g, stale, strict, now, staleAfter) && effectiveFree(g) >= need) addCandidate(count++, g, getI32(H_GPU_LOADER, g));
  }
  return count;
}

/** A GPU for `model` in one pass (fresh or stale nodes; strict or lenient); -1 when none fits. */
export function findGpu(model: i32, memory: f64, headroom: f64, stale: bool, strict: bool, now: f64, staleAfter: f64, seed: f64): i32 {
  let i = choose(servingCandidates(model, memory, headroom, stale, strict, now, staleAfter, seed), true, seed);
  foundServing = i >= 0;
  if (i < 0) i = choose(loadCandidates(memory + headroom, stale, strict, now, staleAfter, seed), false, seed);
  if (i < 0) {
    foundEngine = -1;
    return -1;
  }
  foundEngine = candidateEngine(i);
  return candidateGpu(i);
}
