// The kernel's exports. The host (src/kernel/wasm.ts) packs columns into linear memory, then
// calls init_registry once per registry version, init_fleet once per fleet view, and route per
// request. Everything crossing the boundary is a number; results come back through memory.
import { ABI_VERSION, HEADER_BASE, H_ABI } from "./layout";
import { scoreAllEntries } from "./score";
import { initFleet } from "./place";
import { routeRequest } from "./route";

export function abi_version(): i32 {
  return ABI_VERSION;
}

/** Precomputes benchmark scores; -1 when the host packed for another ABI. */
export function init_registry(): i32 {
  if (load<i32>(HEADER_BASE + (H_ABI << 2)) != ABI_VERSION) return -1;
  scoreAllEntries();
  return 0;
}

/** Precomputes GPU health from the packed fleet and the registry's thresholds. */
export function init_fleet(): i32 {
  initFleet();
  return 0;
}

/** Routes the request in the REQUEST region; returns the STATUS_* code. */
export function route(): i32 {
  return routeRequest();
}
