/**
 * The kernel ABI: where each region of WASM linear memory starts and what each slot means.
 *
 * This file is compiled by asc into the kernel and imported by the host (src/kernel/*), so the
 * two sides can never disagree on a number. Keep it to plain integer constants: both
 * AssemblyScript and TypeScript read it.
 *
 * Fixed regions live below 64 KiB; asc places its own static data at 64 KiB (--memoryBase) and the
 * host writes the packed registry and fleet columns from DYNAMIC_BASE upward, growing memory
 * as needed. The kernel never allocates.
 */

/** Bumped whenever a slot below changes meaning; checked by the host at start-up. */
export const ABI_VERSION = 3;

/** i32 slots: counts and the byte offsets of every column the host packed. */
export const HEADER_BASE = 1024;
/** f64 slots: registry config (thresholds) packed with the registry. */
export const CONFIG_BASE = 2048;
/** f64 slots: one routing request. */
export const REQUEST_BASE = 4096;
/** i32 slots: status and counts of the last routing call. */
export const OUT_BASE = 6144;
/** Result rows of the last routing call, RESULT_STRIDE bytes each, at most MAX_RESULTS. */
export const RESULTS_BASE = 8192;
/** i32 category indices of the fallback walk, at most MAX_DEPTH. */
export const PATH_BASE = 16384;
/** Candidates of one placement, at most CANDIDATE_LIMIT: i32 pairs (gpu, engine; -1 = none). */
export const CANDIDATES_BASE = 20480;
/** Ring of the last LOADS_RING model loads this kernel placed: i32 pairs (gpu, model). */
export const LOADS_BASE = 24576;
/** First byte the host may use for packed columns. */
export const DYNAMIC_BASE = 131072;

export const MAX_RESULTS = 16;
export const CANDIDATE_LIMIT = 64;
export const LOADS_RING = 64;
export const MAX_DEPTH = 64;
export const PRECISIONS = 3;

// Header slots (i32 index into HEADER_BASE).
export const H_ABI = 0;
export const H_MODELS = 1;
export const H_CATEGORIES = 2;
export const H_BENCHMARKS = 3;
export const H_GPUS = 4;
export const H_NODES = 5;
export const H_MODEL_PARAMS = 8; // f64[M]
export const H_MODEL_CONTEXT = 9; // f64[M], NaN = unknown
export const H_MODEL_MEMORY = 10; // f64[M*PRECISIONS], NaN = precision not offered
export const H_MODEL_DEFAULT_PRECISION = 11; // i32[M]
export const H_MODEL_FLAGS = 12; // u8[M], allow/deny bits written per request
export const H_BENCH_SCORES = 13; // f64[M*B], NaN = no result
export const H_BENCH_WEIGHTS = 14; // f64[B]
export const H_CAT_PARENT = 15; // i32[C], -1 = root
export const H_CAT_BENCH_OFF = 16; // i32[C+1]
export const H_CAT_BENCH_IDX = 17; // i32[...], benchmark indices in catalog order
export const H_CAT_MODEL_OFF = 18; // i32[C+1]
export const H_CAT_MODEL_IDX = 19; // i32[nnz], models serving the category, ascending
export const H_CAT_MODEL_BASE = 20; // f64[nnz]
export const H_CAT_MODEL_CONF = 21; // f64[nnz]
export const H_CAT_MODEL_BENCH = 22; // f64[nnz], written by init_registry
export const H_SCRATCH_CAND = 23; // i32[M] category entry of each candidate
export const H_SCRATCH_ORDER = 24; // i32[M] popped candidates still without a GPU, in rank order
export const H_REJ_MODEL = 25; // i32[M]
export const H_REJ_REASON = 26; // i32[M]
export const H_REJ_LEVEL = 27; // i32[M]
export const H_MODEL_STAMP = 28; // i32[M] request stamp: model already reported as rejected
export const H_SCRATCH_TOTAL = 29; // f64[M] total score of each candidate
export const H_SCRATCH_HEAP = 30; // i32[M] binary heap of candidate positions
// Fleet columns (packed after the registry, replaced when the fleet view changes).
export const H_GPU_NODE = 32; // i32[G]
export const H_GPU_FREE = 33; // f64[G], NaN = unknown
export const H_GPU_TEMP = 34; // f64[G], NaN = unknown
export const H_GPU_UTIL = 35; // f64[G], NaN = unknown
export const H_GPU_HEALTHY = 36; // i32[G], written by init_fleet
export const H_GPU_SORTED = 37; // i32[G], GPUs by free desc, node id, gpu index
export const H_GPU_RANK = 38; // i32[G], position of each GPU in H_GPU_SORTED
export const H_NODE_TAKEN_AT = 39; // f64[N], snapshot time in ms since epoch
export const H_NODE_GPU_OFF = 40; // i32[N+1]
export const H_NODE_GPU_IDX = 41; // i32[...], each node's GPUs in H_GPU_SORTED order
export const H_MODEL_ENG_OFF = 42; // i32[M+1]
export const H_MODEL_ENG_IDX = 43; // i32[...], engines (replicas) that serve the model, see H_ENG_*
// What this kernel placed since each node's snapshot; the host carries it over, node by node,
// until a newer snapshot of that node arrives.
export const H_LOADS_NEXT = 44; // value, not an offset: model loads recorded so far (ring index = n % LOADS_RING)
export const H_GPU_SENT = 45; // i32[G] requests placed on the GPU
export const H_GPU_RESERVED = 46; // f64[G] MiB of model loads placed on the GPU
export const H_GPU_MARK = 47; // i32[G] per-call stamp: GPU already a candidate
export const H_MODEL_LOADS = 48; // i32[M] entries of the model in the loads ring
export const H_GPU_TOTAL = 49; // f64[G] memory of the GPU, NaN = unknown
export const H_GPU_LOADER = 50; // i32[G] engine that may load a model onto the GPU, -1 = none (fixed engines only, or no endpoint)
// Replica sources ("engines", E of them): the node's serving engines, plus per node one pseudo
// engine for models its snapshot lists that no engine reports (load unknown), and one loader
// for a node without engine data (GPU telemetry only, as before engines existed).
export const H_ENGINES = 51; // value, not an offset: E
export const H_ENG_NODE = 52; // i32[E]
export const H_ENG_FLAGS = 53; // i32[E], ENG_* bits
export const H_ENG_LOAD = 54; // f64[E*ENG_STRIDE], ENG_* slots below; NaN = unknown
export const H_ENG_SENT = 55; // i32[E] requests this kernel placed on the engine since its node's snapshot
export const H_ENG_GPU_OFF = 56; // i32[E+1]
export const H_ENG_GPU_IDX = 57; // i32[...], the engine's GPUs in placement order
export const H_NODE_FLAGS = 58; // u8[N], NODE_* bits written per request
export const HEADER_SLOTS = 64;

// Engine flags (H_ENG_FLAGS).
export const ENG_KNOWN = 1; // running, waiting or KV-cache usage is known: the engine's own load is scored
export const ENG_ON_DEMAND = 2; // may load models it does not serve (Ollama, or a node without engine data)

// Engine load slots (f64 at H_ENG_LOAD + e * ENG_STRIDE).
export const ENG_STRIDE = 5;
export const EL_RUNNING = 0;
export const EL_WAITING = 1;
export const EL_KV = 2; // KV-cache usage, 0-1
export const EL_CAPACITY = 3; // requests the engine runs at once: running / KV usage when both are known, else C_DEFAULT_CAPACITY
export const EL_READ_AT = 4; // ms since epoch

// Config slots (f64 index into CONFIG_BASE).
export const C_MAX_TEMPERATURE = 0;
export const C_MAX_UTILIZATION = 1;
export const C_REQUEST_LOAD = 2; // utilization points one placed request is assumed to add
export const C_PLACEMENT_CHOICES = 3; // 1 = always the best GPU; 2 = the better of two drawn by the request's seed
export const C_THERMAL_MARGIN = 4; // °C below the temperature limit a GPU must be for the preferred pass
export const C_SAT_WAITING = 5; // an engine with this many requests waiting (own placements included) is saturated
export const C_SAT_KV = 6; // an engine with this KV-cache usage (own placements included) is saturated
export const C_DEFAULT_CAPACITY = 7; // batch capacity assumed for an engine whose running / KV usage do not tell it
export const C_OWN_WEIGHT = 8; // own placements since a snapshot count this many times (this isolate's share of traffic, inverted)
export const CONFIG_SLOTS = 16;

// Request slots (f64 index into REQUEST_BASE). Absent limits are passed as +Inf / 0.
export const R_CATEGORY = 0;
export const R_MIN_CONTEXT = 1;
export const R_MAX_MEMORY = 2;
export const R_MAX_PARAMS = 3;
export const R_MIN_SCORE = 4; // -Inf when absent
export const R_PRECISION = 5; // -1 = each model's default
export const R_USE_ALLOW = 6; // 1 = only models with FLAG_ALLOWED
export const R_USE_DENY = 7; // 1 = skip models with FLAG_DENIED
export const R_TOP_K = 8;
export const R_NOW_MS = 9;
export const R_STALE_AFTER_MS = 10;
export const R_HEADROOM_MB = 11;
export const R_SEED = 12; // unsigned 32-bit integer from the request, for the placement draw
export const R_RECORD = 13; // 1 = count the decision's placement in the ledger; 0 = a what-if
export const R_USE_EXCLUDE = 14; // 1 = skip nodes with NODE_EXCLUDED

// Per-node request flags (u8 at H_NODE_FLAGS).
export const NODE_EXCLUDED = 1; // the request excludes the node (e.g. the gateway saw it fail): never placed on

// Per-model request flags (u8 at H_MODEL_FLAGS).
export const FLAG_ALLOWED = 1;
export const FLAG_DENIED = 2;

// Output slots (i32 index into OUT_BASE).
export const O_STATUS = 0;
export const O_RESULTS = 1;
export const O_PATH_LEN = 2;
export const O_REJECTED = 3;
export const O_RESOLVED = 4; // category index the results came from, -1 when none

export const STATUS_OK = 0;
export const STATUS_NO_MODEL = 1; // nothing satisfies the constraints (HTTP 422)
export const STATUS_NO_GPU = 2; // models fit but no GPU can take them (HTTP 503)
export const STATUS_BAD_REQUEST = 3; // category index out of range, registry not loaded

// Result row: byte offsets inside one RESULT_STRIDE row.
export const RESULT_STRIDE = 64;
export const RS_MODEL = 0; // i32
export const RS_GPU = 4; // i32, -1 = no placement (empty fleet)
export const RS_PRECISION = 8; // i32
export const RS_PLACEMENT_FLAGS = 12; // i32, PLACED_* bits
export const RS_TOTAL = 16; // f64
export const RS_BASE = 24; // f64
export const RS_BENCHMARK = 32; // f64
export const RS_CONFIDENCE = 40; // f64
export const RS_MEMORY = 48; // f64, MiB the model needs at that precision
export const RS_ENGINE = 56; // i32, engine (replica source) the placement went to, -1 = none

export const PLACED_SERVING = 1; // the node serves the model (or this kernel just loaded it there)
export const PLACED_STALE = 2; // last-resort tier: the node's snapshot is stale

// Rejection reasons (bit flags, several may apply at once).
export const REJECT_MEMORY = 1;
export const REJECT_CONTEXT = 2;
export const REJECT_PARAMS = 4;
export const REJECT_NOT_ALLOWED = 8;
export const REJECT_DENIED = 16;
export const REJECT_MIN_SCORE = 32;
export const REJECT_PRECISION = 64;
export const REJECT_NO_GPU = 128;

export const PRECISION_BF16 = 0;
export const PRECISION_FP8 = 1;
export const PRECISION_INT4 = 2;
