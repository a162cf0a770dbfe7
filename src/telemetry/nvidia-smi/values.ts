/**
 * Cell-level reading of nvidia-smi output, shared by the CSV and XML readers: what counts as
 * "unknown", how a number with its unit is read, and the one error type both readers throw.
 * Pure and runtime-neutral (no Node or Workers APIs): the agent and the worker both import it.
 */

/** Where a parse failed: a 1-based line (CSV, XML syntax) and/or the field being read. */
export interface ParseErrorInit {
  message: string;
  line?: number | undefined;
  field?: string | undefined;
}

/**
 * Thrown for input that is not nvidia-smi output or is cut short. Never carries a half result:
 * the readers build the whole list before returning it.
 */
export class ParseError extends Error {
  readonly line: number | undefined;
  readonly field: string | undefined;

  constructor(init: ParseErrorInit) {
    const where = [init.line !== undefined ? `line ${init.line}` : "", init.field ? `field '${init.field}'` : ""].filter(Boolean).join(", ");
    super(where ? `${where}: ${init.message}` : init.message);
    this.name = "ParseError";
    this.line = init.line;
    this.field = init.field;
  }

  /** "line 3", "field 'memory.free'" or both; what a 400 names as the bad path. */
  get path(): string {
    const parts = [this.line !== undefined ? `line ${this.line}` : "", this.field ?? ""].filter(Boolean);
    return parts.length > 0 ? parts.join(" ") : "body";
  }
}

/**
 * Words nvidia-smi prints instead of a value. Any bracketed text ("[N/A]", "[GPU is lost]") is
 * unknown too; XML prints the same words without brackets.
 */
const UNKNOWN = new Set(
  [
    "n/a",
    "err!",
    "unknown",
    "unknown error",
    "not supported",
    "not available",
    "not found",
    "function not found",
    "insufficient permissions",
    "gpu is lost",
    "gpu requires reset",
    "requested functionality has been deprecated",
    "",
  ],
);

/** True when the cell means "no reading" (never zero). */
export function isUnknown(raw: string): boolean {
  const text = raw.trim();
  if (text.startsWith("[") && text.endsWith("]")) return true;
  return UNKNOWN.has(text.toLowerCase());
}

/** Context for error messages: which line and field a cell came from. */
export interface CellAt {
  line?: number | undefined;
  field: string;
}

const NUMBER = /^(-?\d+(?:\.\d+)?)\s*([A-Za-z%]*)$/;

/**
 * A number, optionally followed by `unit` ("143771 MiB", "57 C", "0 %", "130.26 W"); unknown
 * markers give null. Any other text, or a different unit, is a ParseError naming the cell.
 */
export function readNumber(raw: string | undefined, unit: string, at: CellAt): number | null {
  if (raw === undefined || isUnknown(raw)) return null;
  const match = NUMBER.exec(raw.trim());
  if (!match) throw new ParseError({ ...at, message: `expected a number${unit ? ` in ${unit}` : ""}, got '${clip(raw)}'` });
  const found = match[2]!;
  if (found !== "" && found !== unit) throw new ParseError({ ...at, message: `expected ${unit || "no unit"}, got '${clip(raw)}'` });
  return Number(match[1]);
}

/** A non-negative integer count (ECC errors, instance ids); unknown gives null. */
export function readCount(raw: string | undefined, at: CellAt): number | null {
  const value = readNumber(raw, "", at);
  if (value !== null && !(Number.isInteger(value) && value >= 0)) {
    throw new ParseError({ ...at, message: `expected a whole number, got '${clip(raw ?? "")}'` });
  }
  return value;
}

/** Free text (name, uuid, pstate); unknown gives null. */
export function readText(raw: string | undefined): string | null {
  if (raw === undefined || isUnknown(raw)) return null;
  return raw.trim();
}

/** "Enabled"/"Disabled" (MIG mode); unknown gives null, anything else is an error. */
export function readMode(raw: string | undefined, at: CellAt): "enabled" | "disabled" | null {
  if (raw === undefined || isUnknown(raw)) return null;
  const text = raw.trim().toLowerCase();
  if (text === "enabled" || text === "disabled") return text;
  throw new ParseError({ ...at, message: `expected Enabled or Disabled, got '${clip(raw)}'` });
}

/** Error messages quote at most 40 characters of the offending input. */
export function clip(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 40 ? `${flat.slice(0, 40)}…` : flat;
}
