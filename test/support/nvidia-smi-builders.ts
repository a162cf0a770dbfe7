/**
 * 8-GPU nvidia-smi outputs built from the real H200 captures, for parser tests and the parse
 * benchmark. Pure text in, text out: tests pass FIXTURES (Vite ?raw), bench/telemetry.ts reads the
 * files from disk (tsx has no ?raw). No 8-GPU capture exists; these repeat the real GPU with distinct indices, UUIDs and
 * free memory.
 */
const H200_UUID_TAIL = "f494ff34e761";

/** `csv` (header + one H200 row) as an n-GPU CSV: GPU i has 143156 − 10000·i MiB free. */
export function eightGpuCsvFrom(csv: string, n = 8): string {
  const [header, row] = csv.trim().split("\n") as [string, string];
  const free = /, (\d+) MiB, (\d+) MiB, (\d+) MiB, /; // memory.total, memory.used, memory.free
  const rows = Array.from({ length: n }, (_, i) =>
    row
      .replace(/^0,/, `${i},`)
      .replace(H200_UUID_TAIL, `${H200_UUID_TAIL.slice(0, -1)}${i}`)
      .replace(free, (_m, total: string, used: string) => `, ${total} MiB, ${used} MiB, ${143156 - 10000 * i} MiB, `),
  );
  return `${header}\n${rows.join("\n")}\n`;
}

/** `xml` (a one-GPU `-q -x` log) with its <gpu> element repeated n times. */
export function eightGpuXmlFrom(xml: string, n = 8): string {
  const start = xml.indexOf("\t<gpu id=");
  const end = xml.indexOf("</gpu>") + "</gpu>".length;
  const gpu = xml.slice(start, end);
  const gpus = Array.from({ length: n }, (_, i) => gpu.replace(H200_UUID_TAIL, `${H200_UUID_TAIL.slice(0, -1)}${i}`)).join("\n");
  return xml.slice(0, start) + gpus + xml.slice(end);
}

/** The capture both builders start from in tests and in the bench. */
export const CSV_SOURCE = "h200-driver580/csv/load-extended-header-units.csv";
export const XML_SOURCE = "h200-driver580/q_load.xml";
