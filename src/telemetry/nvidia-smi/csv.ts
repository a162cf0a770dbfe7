/**
 * Reader for `nvidia-smi --query-gpu=… --format=csv[,noheader][,nounits]`. With a header the
 * columns are named by it (units in brackets are ignored); without one the caller passes the
 * same field list it gave `--query-gpu`. Rows must have exactly one cell per column: a short
 * row is truncated output and fails the whole parse.
 */
import { emptyGpu, type GpuReading, type NvidiaSmiReading } from "./gpu";
import { fieldDef, type FieldDef } from "./fields";
import { ParseError, clip } from "./values";

export interface CsvOptions {
  /** The `--query-gpu` list for `noheader` output; absent = the first line is the header. */
  fields?: readonly string[] | undefined;
}

interface Column {
  name: string;
  def: FieldDef | undefined;
}

export function parseCsv(text: string, options: CsvOptions = {}): NvidiaSmiReading {
  const lines = text.split(/\r?\n/).map((content, i) => ({ content, line: i + 1 })).filter((l) => l.content.trim() !== "");
  if (lines.length === 0) throw new ParseError({ message: "empty input: no CSV header or rows" });
  let rows = lines;
  let names: string[];
  if (options.fields && options.fields.length > 0) {
    names = [...options.fields];
  } else {
    names = splitRow(lines[0]!.content).map((cell) => cell.replace(/\s*\[[^\]]*\]\s*$/, ""));
    rows = lines.slice(1);
  }
  const columns: Column[] = names.map((name) => ({ name: name.trim(), def: fieldDef(name) }));
  if (!columns.some((c) => c.def)) {
    throw new ParseError({
      line: options.fields ? undefined : lines[0]!.line,
      message: `no known nvidia-smi field in ${options.fields ? "the field list" : `header '${clip(lines[0]!.content)}'`}; for --format=csv,noheader pass the --query-gpu field list`,
    });
  }
  if (rows.length === 0) throw new ParseError({ line: lines[0]!.line + 1, message: "no GPU rows after the header" });

  const gpus = rows.map((row, position) => readRow(row.content, row.line, position, columns));
  const seen = new Set<number>();
  for (const [i, gpu] of gpus.entries()) {
    if (seen.has(gpu.index)) throw new ParseError({ line: rows[i]!.line, field: "index", message: `GPU index ${gpu.index} appears twice` });
    seen.add(gpu.index);
  }
  gpus.sort((a, b) => a.index - b.index);
  return { format: "csv", driver_version: null, cuda_version: null, gpus };
}

/** nvidia-smi separates cells with ", " and never quotes them. */
function splitRow(content: string): string[] {
  return content.split(",").map((cell) => cell.trim());
}

function readRow(content: string, line: number, position: number, columns: Column[]): GpuReading {
  const cells = splitRow(content);
  if (cells.length !== columns.length) {
    throw new ParseError({
      line,
      // One cell is a message, not a row ("Failed to initialize NVML: …"): quote it either way.
      message: `expected ${columns.length} comma-separated fields, got ${cells.length}${cells.length > 1 && cells.length < columns.length ? " (truncated output?)" : ""} in '${clip(content)}'`,
    });
  }
  const gpu: GpuReading = emptyGpu(position);
  const ranks = new Map<keyof GpuReading, number>();
  columns.forEach((column, i) => {
    const def = column.def;
    if (!def) return;
    const value = def.read(cells[i]!, { line, field: column.name });
    if (value === null && def.target === "index") throw new ParseError({ line, field: column.name, message: "the GPU index is missing" });
    // Several fields can feed one reading: the best-ranked one that has a value wins.
    if (value === null) return;
    const held = ranks.get(def.target);
    if (held !== undefined && held <= def.rank) return;
    Object.assign(gpu, { [def.target]: value });
    ranks.set(def.target, def.rank);
  });
  return gpu;
}
