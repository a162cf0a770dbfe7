// Ranking: a binary max-heap over candidate positions, ordered by total score (higher first) and
// then by model index (lower first), so equal scores always come out in registry order.
// A heap rather than a sort because route() usually needs only the first few candidates.
import { H_SCRATCH_CAND, H_SCRATCH_TOTAL, H_SCRATCH_HEAP, H_CAT_MODEL_IDX } from "./layout";
import { getI32, setI32, getF64 } from "./memory";

let heapSize: i32 = 0;

@inline function modelOf(candidate: i32): i32 {
  return getI32(H_CAT_MODEL_IDX, getI32(H_SCRATCH_CAND, candidate));
}

/** True when candidate a ranks before candidate b. */
@inline export function ranksBefore(a: i32, b: i32): bool {
  const ta = getF64(H_SCRATCH_TOTAL, a);
  const tb = getF64(H_SCRATCH_TOTAL, b);
  if (ta != tb) return ta > tb;
  return modelOf(a) < modelOf(b);
}

function siftDown(from: i32): void {
  let i = from;
  const item = getI32(H_SCRATCH_HEAP, i);
  while (true) {
    let child = 2 * i + 1;
    if (child >= heapSize) break;
    const right = child + 1;
    if (right < heapSize && ranksBefore(getI32(H_SCRATCH_HEAP, right), getI32(H_SCRATCH_HEAP, child))) child = right;
    const top = getI32(H_SCRATCH_HEAP, child);
    if (!ranksBefore(top, item)) break;
    setI32(H_SCRATCH_HEAP, i, top);
    i = child;
  }
  setI32(H_SCRATCH_HEAP, i, item);
}

/** Builds the heap over candidates 0..count-1 in O(count). */
export function heapify(count: i32): void {
  heapSize = count;
  for (let i = 0; i < count; i++) setI32(H_SCRATCH_HEAP, i, i);
  for (let i = (count >> 1) - 1; i >= 0; i--) siftDown(i);
}

export function heapEmpty(): bool {
  return heapSize == 0;
}

/** Removes and returns the best remaining candidate. */
export function heapPop(): i32 {
  const top = getI32(H_SCRATCH_HEAP, 0);
  heapSize--;
  if (heapSize > 0) {
    setI32(H_SCRATCH_HEAP, 0, getI32(H_SCRATCH_HEAP, heapSize));
    siftDown(0);
  }
  return top;
}
