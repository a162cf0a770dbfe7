/**
 * Command-line parsing for the CLIs, on node:util's parseArgs. Any mistake becomes a UsageError,
 * which the CLIs answer with the message, a pointer to --help and exit code 2.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses argv strictly (unknown flags are errors) and returns flags and positionals. */
export function parseCommandLine<T extends Options>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** A positive integer flag value, or the fallback when the flag is absent. */
export function positiveInt(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} must be a positive integer, got '${raw}'`);
  return value;
}

/** A non-negative number flag value, or the fallback. */
export function nonNegative(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`${flag} must be a non-negative number, got '${raw}'`);
  return value;
}

/** An http(s) URL flag value without a trailing slash. */
export function httpUrl(raw: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${flag} must be a URL, got '${raw}'`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${flag} must be an http(s) URL, got '${raw}'`);
  return url.toString().replace(/\/+$/, "");
}
