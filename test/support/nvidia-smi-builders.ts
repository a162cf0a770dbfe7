/**
 * 8-GPU nvidia-smi outputs built from the real H200 captures, for parser tests and the parse
 * benchmark (bench/telemetry.ts). No 8-GPU capture exists; these repeat the real GPU with
 * distinct indices, UUIDs and free memory.
 */
import { FIXTURES } from "../fixtures/nvidia-smi";

const CORE = "h200-driver580/csv/load-extended-header-units.csv";

/** An 8-GPU `--query-gpu` CSV with header and units: GPU i has 143156 − 10000·i MiB free. */
export function eightGpuCsv(): string {
  const [header, row] = FIXTURES[CORE]!.trim().split("\n") as [string, string];
  const rows = Array.from({ length: 8 }, (_, i) =>
    row
      .replace(/^0,/, `${i},`)
      .replace("GPU-2f250b0d-4f72-60e2-86e8-f494ff34e761", `GPU-2f250b0d-4f72-60e2-86e8-f494ff34e76${i}`)
      .replace("113534 MiB", `${143156 - 10000 * i} MiB`),
  );
  return `${header}\n${rows.join("\n")}\n`;
}

/** An 8-GPU `nvidia-smi -q -x` log: the loaded H200's <gpu> element eight times. */
export function eightGpuXml(): string {
  const text = FIXTURES["h200-driver580/q_load.xml"]!;
  const start = text.indexOf("\t<gpu id=");
  const end = text.indexOf("</gpu>") + "</gpu>".length;
  const gpu = text.slice(start, end);
  const gpus = Array.from({ length: 8 }, (_, i) => gpu.replace("f494ff34e761", `f494ff34e76${i}`)).join("\n");
  return text.slice(0, start) + gpus + text.slice(end);
}
