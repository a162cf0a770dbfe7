/**
 * The nvidia-smi parser shared by the agent (cli/agent) and the worker (POST /v1/telemetry with
 * a raw text body). It picks the reader from the text itself: XML starts with '<', anything else
 * is CSV. Runtime-neutral: no Node or Workers APIs, so both sides import the same code.
 */
import { parseCsv } from "./csv";
import type { NvidiaSmiReading } from "./gpu";
import { parseXml } from "./xml";
import { ParseError } from "./values";

export { ParseError } from "./values";
export { GpuReadingSchema, MigDeviceSchema, type GpuReading, type MigDevice, type NvidiaSmiReading } from "./gpu";

export type NvidiaSmiFormat = "csv" | "xml";

export interface ParseOptions {
  /** Force a reader instead of guessing from the first character. */
  format?: NvidiaSmiFormat | undefined;
  /** The `--query-gpu` field list of `--format=csv,noheader` output. */
  fields?: readonly string[] | undefined;
}

/** Which reader fits `text`: XML when it starts with '<' (after a BOM and whitespace). */
export function detectFormat(text: string): NvidiaSmiFormat {
  return text.replace(/^\uFEFF/, "").trimStart().startsWith("<") ? "xml" : "csv";
}

/**
 * Parses nvidia-smi output into normalized GPUs. Throws ParseError (naming the line or field)
 * for anything that is not complete nvidia-smi output; never returns a partial result.
 */
export function parseNvidiaSmi(text: string, options: ParseOptions = {}): NvidiaSmiReading {
  if (typeof text !== "string") throw new ParseError({ message: "expected text" });
  const clean = text.replace(/^\uFEFF/, "");
  const format = options.format ?? detectFormat(clean);
  return format === "xml" ? parseXml(clean) : parseCsv(clean, { fields: options.fields });
}
