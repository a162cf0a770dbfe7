// One routing call: walk from the requested category up its ancestors; at each level filter the
// models that serve it by the request's constraints, rank the survivors and place the best ones
// on GPUs. The first level that yields a placed model answers. Called by index.ts#route.
import {
  H_MODELS, H_CATEGORIES, H_GPUS, H_CAT_PARENT, H_CAT_MODEL_OFF, H_CAT_MODEL_IDX, H_CAT_MODEL_BASE,
  H_CAT_MODEL_CONF, H_CAT_MODEL_BENCH, H_MODEL_PARAMS, H_MODEL_CONTEXT, H_MODEL_MEMORY,
  H_MODEL_DEFAULT_PRECISION, H_MODEL_FLAGS, H_MODEL_STAMP, H_SCRATCH_CAND, H_SCRATCH_TOTAL,
  H_SCRATCH_ORDER, H_REJ_MODEL, H_REJ_REASON, H_REJ_LEVEL, PRECISIONS, MAX_DEPTH, MAX_RESULTS,
  R_CATEGORY, R_MIN_CONTEXT, R_MAX_MEMORY, R_MAX_PARAMS, R_MIN_SCORE, R_PRECISION, R_USE_ALLOW,
  R_USE_DENY, R_TOP_K, R_NOW_MS, R_STALE_AFTER_MS, R_HEADROOM_MB, R_SEED, R_RECORD, FLAG_ALLOWED, FLAG_DENIED,
  O_STATUS, O_RESULTS, O_PATH_LEN, O_REJECTED, O_RESOLVED, STATUS_OK, STATUS_NO_MODEL,
  STATUS_NO_GPU, STATUS_BAD_REQUEST, PATH_BASE, RESULTS_BASE, RESULT_STRIDE, RS_MODEL, RS_GPU,
  RS_PRECISION, RS_PLACEMENT_FLAGS, RS_TOTAL, RS_BASE, RS_BENCHMARK, RS_CONFIDENCE, RS_MEMORY, RS_ENGINE,
  PLACED_SERVING, PLACED_STALE, REJECT_MEMORY, REJECT_CONTEXT, REJECT_PARAMS, REJECT_NOT_ALLOWED,
  REJECT_DENIED, REJECT_MIN_SCORE, REJECT_PRECISION, REJECT_NO_GPU,
} from "./layout";
import { header, request, setOut, getI32, setI32, getF64, setF64, getU8 } from "./memory";
import { heapify, heapEmpty, heapPop } from "./rank";
import { findGpu, foundEngine, foundServing, startPass } from "./place";
import { recordPlacement } from "./ledger";

let stamp: i32 = 0;
let rejected: i32 = 0;
let results: i32 = 0;

@inline function precisionFor(model: i32): i32 {
  const p = <i32>request(R_PRECISION);
  return p < 0 ? getI32(H_MODEL_DEFAULT_PRECISION, model) : p;
}

@inline function memoryFor(model: i32): f64 {
  return getF64(H_MODEL_MEMORY, model * PRECISIONS + precisionFor(model));
}

/** Records the first (most specific) rejection of a model in this call. */
function reject(model: i32, reasons: i32, level: i32): void {
  if (getI32(H_MODEL_STAMP, model) == stamp) return;
  setI32(H_MODEL_STAMP, model, stamp);
  setI32(H_REJ_MODEL, rejected, model);
  setI32(H_REJ_REASON, rejected, reasons);
  setI32(H_REJ_LEVEL, rejected, level);
  rejected++;
}

/** Fills the candidate scratch with the category's models that pass every constraint. */
function collect(category: i32, level: i32): i32 {
  const minContext = request(R_MIN_CONTEXT);
  const maxMemory = request(R_MAX_MEMORY);
  const maxParams = request(R_MAX_PARAMS);
  const minScore = request(R_MIN_SCORE);
  const useAllow = request(R_USE_ALLOW) != 0;
  const useDeny = request(R_USE_DENY) != 0;
  let count = 0;
  const to = getI32(H_CAT_MODEL_OFF, category + 1);
  for (let e = getI32(H_CAT_MODEL_OFF, category); e < to; e++) {
    const m = getI32(H_CAT_MODEL_IDX, e);
    let reasons = 0;
    const memory = memoryFor(m);
    if (isNaN(memory)) reasons |= REJECT_PRECISION;
    else if (memory > maxMemory) reasons |= REJECT_MEMORY;
    if (minContext > 0 && !(getF64(H_MODEL_CONTEXT, m) >= minContext)) reasons |= REJECT_CONTEXT;
    if (getF64(H_MODEL_PARAMS, m) > maxParams) reasons |= REJECT_PARAMS;
    const flags = getU8(H_MODEL_FLAGS, m);
    if (useAllow && (flags & FLAG_ALLOWED) == 0) reasons |= REJECT_NOT_ALLOWED;
    if (useDeny && (flags & FLAG_DENIED) != 0) reasons |= REJECT_DENIED;
    const total = getF64(H_CAT_MODEL_BASE, e) + getF64(H_CAT_MODEL_BENCH, e) * getF64(H_CAT_MODEL_CONF, e);
    if (total < minScore) reasons |= REJECT_MIN_SCORE;
    if (reasons != 0) {
      reject(m, reasons, level);
      continue;
    }
    setI32(H_SCRATCH_CAND, count, e);
    setF64(H_SCRATCH_TOTAL, count, total);
    count++;
  }
  return count;
}

function writeResult(candidate: i32, gpu: i32, engine: i32, flags: i32): void {
  const e = getI32(H_SCRATCH_CAND, candidate);
  const m = getI32(H_CAT_MODEL_IDX, e);
  const row = RESULTS_BASE + results * RESULT_STRIDE;
  store<i32>(row + RS_MODEL, m);
  store<i32>(row + RS_GPU, gpu);
  store<i32>(row + RS_PRECISION, precisionFor(m));
  store<i32>(row + RS_PLACEMENT_FLAGS, flags);
  store<i32>(row + RS_ENGINE, engine);
  store<f64>(row + RS_TOTAL, getF64(H_SCRATCH_TOTAL, candidate));
  store<f64>(row + RS_BASE, getF64(H_CAT_MODEL_BASE, e));
  store<f64>(row + RS_BENCHMARK, getF64(H_CAT_MODEL_BENCH, e));
  store<f64>(row + RS_CONFIDENCE, getF64(H_CAT_MODEL_CONF, e));
  store<f64>(row + RS_MEMORY, memoryFor(m));
  results++;
}

/** Tries to place a candidate in one pass; writes a result row when it fits. */
function tryPlace(candidate: i32, stale: bool, strict: bool): bool {
  const m = getI32(H_CAT_MODEL_IDX, getI32(H_SCRATCH_CAND, candidate));
  const gpu = findGpu(m, memoryFor(m), request(R_HEADROOM_MB), stale, strict, request(R_NOW_MS), request(R_STALE_AFTER_MS), request(R_SEED));
  if (gpu < 0) return false;
  writeResult(candidate, gpu, foundEngine, (foundServing ? PLACED_SERVING : 0) | (stale ? PLACED_STALE : 0));
  return true;
}

/** The decision is the first result: only its placement counts against the fleet. */
function recordChosen(): void {
  const row = RESULTS_BASE;
  const gpu = load<i32>(row + RS_GPU);
  if (gpu < 0) return;
  const serving = (load<i32>(row + RS_PLACEMENT_FLAGS) & PLACED_SERVING) != 0;
  recordPlacement(gpu, load<i32>(row + RS_ENGINE), load<i32>(row + RS_MODEL), load<f64>(row + RS_MEMORY), serving);
}

/**
 * Ranks the level's candidates and keeps the best top_k that can be placed, in passes: fresh
 * nodes strictly, fresh leniently, stale strictly, stale leniently (place.ts says what strict
 * means). A pass runs only when the ones before it placed nothing. Returns the number of results.
 */
function placeLevel(count: i32, level: i32, topK: i32): i32 {
  heapify(count);
  if (header(H_GPUS) == 0) {
    // No telemetry at all: model-only routing, no placement.
    while (results < topK && !heapEmpty()) writeResult(heapPop(), -1, -1, 0);
    return results;
  }
  // The first pass pops candidates from the heap in rank order; when it places nothing, the heap
  // is drained and ORDER holds every candidate in rank order for the later passes.
  let unplaced = 0;
  startPass(false, true);
  while (results < topK && !heapEmpty()) {
    const candidate = heapPop();
    if (tryPlace(candidate, false, true)) continue;
    setI32(H_SCRATCH_ORDER, unplaced++, candidate);
  }
  for (let pass = 1; pass < 4 && results == 0; pass++) {
    const stale = pass >= 2;
    const strict = pass % 2 == 0;
    startPass(stale, strict);
    let stillUnplaced = 0;
    for (let i = 0; i < unplaced && results < topK; i++) {
      const candidate = getI32(H_SCRATCH_ORDER, i);
      if (!tryPlace(candidate, stale, strict)) setI32(H_SCRATCH_ORDER, stillUnplaced++, candidate);
    }
    unplaced = stillUnplaced;
  }
  for (let i = 0; i < unplaced; i++) {
    const candidate = getI32(H_SCRATCH_ORDER, i);
    reject(getI32(H_CAT_MODEL_IDX, getI32(H_SCRATCH_CAND, candidate)), REJECT_NO_GPU, level);
  }
  return results;
}

/** Runs one request from the REQUEST region; answers in the OUT, RESULTS and PATH regions. */
export function routeRequest(): i32 {
  const categories = header(H_CATEGORIES);
  let category = <i32>request(R_CATEGORY);
  rejected = 0;
  results = 0;
  stamp++;
  setOut(O_RESULTS, 0);
  setOut(O_REJECTED, 0);
  setOut(O_PATH_LEN, 0);
  setOut(O_RESOLVED, -1);
  if (header(H_MODELS) < 0 || category < 0 || category >= categories) {
    setOut(O_STATUS, STATUS_BAD_REQUEST);
    return STATUS_BAD_REQUEST;
  }
  let topK = <i32>request(R_TOP_K);
  if (topK < 1) topK = 1;
  if (topK > MAX_RESULTS) topK = MAX_RESULTS;
  let depth = 0;
  let modelsFitButNoGpu = false;
  while (category >= 0 && depth < MAX_DEPTH) {
    store<i32>(PATH_BASE + (depth << 2), category);
    depth++;
    const count = collect(category, depth - 1);
    if (count > 0) {
      if (placeLevel(count, depth - 1, topK) > 0) {
        setOut(O_RESOLVED, category);
        if (request(R_RECORD) != 0) recordChosen();
        break;
      }
      modelsFitButNoGpu = true;
    }
    category = getI32(H_CAT_PARENT, category);
  }
  const status = results > 0 ? STATUS_OK : modelsFitButNoGpu ? STATUS_NO_GPU : STATUS_NO_MODEL;
  setOut(O_STATUS, status);
  setOut(O_RESULTS, results);
  setOut(O_PATH_LEN, depth);
  setOut(O_REJECTED, rejected);
  return status;
}
