/**
 * Typed columns in the kernel's linear memory: a plan that lays them out and grows memory once,
 * and the views pack.ts fills. Growing detaches every typed-array view taken before it, hence
 * plan first, then commit, then write.
 */
import * as L from "../../assembly/layout";

export type ColumnType = "i32" | "f64" | "u8";
interface Column {
  slot: number;
  type: ColumnType;
  length: number;
  offset: number;
}

/** Lays columns out one after another from `start`, 8-byte aligned, and records each offset in the header. */
export class ColumnPlan {
  private readonly columns: Column[] = [];
  private cursor: number;

  constructor(start: number) {
    this.cursor = start;
  }

  add(slot: number, type: ColumnType, length: number): void {
    const bytes = length * (type === "f64" ? 8 : type === "i32" ? 4 : 1);
    this.columns.push({ slot, type, length, offset: this.cursor });
    this.cursor += Math.ceil(Math.max(bytes, 8) / 8) * 8;
  }

  get end(): number {
    return this.cursor;
  }

  /** Grows memory to fit, zeroes every column, writes the offsets into the header and returns typed views. */
  commit(memory: WebAssembly.Memory): Columns {
    const pages = Math.ceil(this.cursor / 65536) - memory.buffer.byteLength / 65536;
    if (pages > 0) memory.grow(pages);
    const header = new Int32Array(memory.buffer, L.HEADER_BASE, L.HEADER_SLOTS);
    const views = new Map<number, Int32Array | Float64Array | Uint8Array>();
    for (const c of this.columns) {
      header[c.slot] = c.offset;
      const view =
        c.type === "f64" ? new Float64Array(memory.buffer, c.offset, c.length)
        : c.type === "i32" ? new Int32Array(memory.buffer, c.offset, c.length)
        : new Uint8Array(memory.buffer, c.offset, c.length);
      view.fill(0);
      views.set(c.slot, view);
    }
    return new Columns(views, header);
  }
}

export class Columns {
  constructor(
    private readonly views: Map<number, Int32Array | Float64Array | Uint8Array>,
    readonly header: Int32Array,
  ) {}
  f64(slot: number): Float64Array {
    return this.views.get(slot) as Float64Array;
  }
  i32(slot: number): Int32Array {
    return this.views.get(slot) as Int32Array;
  }
}

/** Fills a CSR pair: offsets[i]..offsets[i+1] index into the flattened lists. */
export function writeCsr(offsets: Int32Array, indices: Int32Array, lists: number[][]): void {
  let at = 0;
  lists.forEach((list, i) => {
    offsets[i] = at;
    for (const v of list) indices[at++] = v;
  });
  offsets[lists.length] = at;
}

