// The kernel's own placements since each node's last snapshot: counted per GPU and engine (the
// load place.ts adds to what the snapshot shows), memory reserved by loads, and a ring of recent
// loads so the next request for the model finds it served. The host carries these over fleet
// reloads (src/kernel/ledger.ts).
import { H_GPU_SENT, H_GPU_RESERVED, H_MODEL_LOADS, H_LOADS_NEXT, H_ENG_SENT, HEADER_BASE, LOADS_BASE, LOADS_RING } from "./layout";
import { header, getI32, setI32, getF64, setF64 } from "./memory";

/** Counts a chosen placement against its GPU and engine until that node's next snapshot. */
export function recordPlacement(g: i32, e: i32, model: i32, memory: f64, serving: bool): void {
  setI32(H_GPU_SENT, g, getI32(H_GPU_SENT, g) + 1);
  if (e >= 0) setI32(H_ENG_SENT, e, getI32(H_ENG_SENT, e) + 1);
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
