/**
 * The engine's timeline: a binary min-heap of events ordered by time, then by insertion order,
 * so simultaneous events always run in the same order and a seed replays exactly.
 */
import type { FleetNode } from "../kernel/types";
import type { Resident, SimRequest } from "./gpu";

export type SimEvent =
  | { kind: "complete"; gpu: number; resident: Resident; request: SimRequest }
  | { kind: "loaded"; gpu: number; resident: Resident }
  | { kind: "push"; node: number }
  | { kind: "deliver"; node: number; snapshot: FleetNode }
  | { kind: "refresh"; isolate: number }
  | { kind: "sample" }
  | { kind: "degrade" };

interface Entry {
  t: number;
  seq: number;
  event: SimEvent;
}

export class EventQueue {
  private readonly heap: Entry[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Time of the next event; Infinity when there is none. */
  peekTime(): number {
    return this.heap[0]?.t ?? Infinity;
  }

  push(t: number, event: SimEvent): void {
    const heap = this.heap;
    const entry = { t, seq: this.seq++, event };
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  /** Removes and returns the earliest event (callers check size first). */
  pop(): Entry {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= heap.length) break;
        if (child + 1 < heap.length && before(heap[child + 1]!, heap[child]!)) child++;
        if (!before(heap[child]!, last)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}
