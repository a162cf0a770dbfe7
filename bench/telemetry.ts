/**
 * Parse time per snapshot of the shared nvidia-smi parser for an 8-GPU machine, in CSV
 * (`--query-gpu` with header and units) and `-q -x` XML, both built from the real H200 captures.
 * The lead's bench/run.ts calls benchParse(); `npx tsx bench/telemetry.ts` prints it alone.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseNvidiaSmi } from "../src/telemetry/nvidia-smi";
import { CSV_SOURCE, XML_SOURCE, eightGpuCsvFrom, eightGpuXmlFrom } from "../test/support/nvidia-smi-builders";
import { compare } from "./measure";

// Static paths on purpose: test/support's FIXTURES index uses Vite ?raw imports, which tsx lacks.
const FIXTURE_DIR = fileURLToPath(new URL("../test/fixtures/nvidia-smi/", import.meta.url));

export interface ParseRow {
  name: string;
  runs: number;
  us_per_parse: number;
}

/** Median µs per parse over `rounds` alternating rounds of at least `minMs` each. */
export async function benchParse(options: { rounds?: number; minMs?: number } = {}): Promise<ParseRow[]> {
  const rounds = options.rounds ?? 5;
  const minMs = options.minMs ?? 300;
  const inputs = {
    "8-GPU CSV (--query-gpu, header+units)": eightGpuCsvFrom(readFileSync(FIXTURE_DIR + CSV_SOURCE, "utf8")),
    "8-GPU XML (-q -x)": eightGpuXmlFrom(readFileSync(FIXTURE_DIR + XML_SOURCE, "utf8")),
  };
  for (const [name, text] of Object.entries(inputs)) {
    if (parseNvidiaSmi(text).gpus.length !== 8) throw new Error(`${name}: expected 8 GPUs`);
  }
  const contenders = Object.fromEntries(Object.entries(inputs).map(([name, text]) => [name, () => void parseNvidiaSmi(text)]));
  const us = compare(contenders, { rounds, minMs });
  return Object.keys(inputs).map((name) => ({ name, runs: rounds, us_per_parse: Math.round(us[name]! * 10) / 10 }));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await benchParse();
  for (const row of rows) console.log(`${row.name.padEnd(40)} ${String(row.us_per_parse).padStart(10)} µs per parse (median of ${row.runs})`);
}
