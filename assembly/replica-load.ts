// An engine's (replica's) load as the kernel reads it: requests running and waiting, KV-cache
// usage, this kernel's own placements since the snapshot, and whether that saturates it (the
// Gateway API Inference Extension's saturation detector). Used by place.ts.
import { H_ENG_LOAD, H_ENG_FLAGS, H_ENG_SENT, ENG_KNOWN, ENG_STRIDE, EL_RUNNING, EL_WAITING, EL_KV, EL_CAPACITY, C_OWN_WEIGHT, C_SAT_WAITING, C_SAT_KV } from "./layout";
import { header, config, getI32 } from "./memory";

@inline export function engLoad(e: i32, slot: i32): f64 {
  return load<f64>(header(H_ENG_LOAD) + ((e * ENG_STRIDE + slot) << 3));
}

@inline export function known(e: i32): bool {
  return e >= 0 && (getI32(H_ENG_FLAGS, e) & ENG_KNOWN) != 0;
}

/** Requests the engine runs now: running, else what its KV-cache usage implies, else none. */
@inline function busy(e: i32): f64 {
  const running = engLoad(e, EL_RUNNING);
  if (!isNaN(running)) return running;
  const kv = engLoad(e, EL_KV);
  return isNaN(kv) ? 0 : kv * engLoad(e, EL_CAPACITY);
}

@inline function ownLoad(e: i32): f64 {
  return <f64>getI32(H_ENG_SENT, e) * config(C_OWN_WEIGHT);
}

@inline function waitingOf(e: i32): f64 {
  const waiting = engLoad(e, EL_WAITING);
  return isNaN(waiting) ? 0 : waiting;
}

/** Requests in the engine, own placements since its snapshot included, per unit of batch capacity. */
export function loadFactor(e: i32): f64 {
  return (busy(e) + waitingOf(e) + ownLoad(e)) / engLoad(e, EL_CAPACITY);
}

/** Saturated: the predicted queue or KV-cache usage reaches the registry's thresholds. */
export function saturated(e: i32): bool {
  const capacity = engLoad(e, EL_CAPACITY);
  const inBatch = busy(e) + ownLoad(e);
  const queue = waitingOf(e) + Math.max(0, inBatch - capacity);
  let kv = inBatch / capacity;
  const reported = engLoad(e, EL_KV);
  if (reported > kv) kv = reported;
  return queue >= config(C_SAT_WAITING) || kv >= config(C_SAT_KV);
}
