/**
 * For tests that provoke a logged error on purpose (corrupt KV, a malformed batch): the code's
 * console.error/console.warn lines are captured instead of printed, and the test asserts on them.
 * A passing `npm test` then prints no error at all, so a real one stands out.
 */
import { vi } from "vitest";

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * Runs `fn` with console.error and console.warn captured; returns its result and one line per
 * call (the arguments as text, joined by spaces). The console is restored even when `fn` throws.
 */
export async function captureConsole<T>(fn: () => Promise<T> | T): Promise<{ result: T; logged: string[] }> {
  const logged: string[] = [];
  const record = (...args: unknown[]) => {
    logged.push(args.map(text).join(" "));
  };
  const error = vi.spyOn(console, "error").mockImplementation(record);
  const warn = vi.spyOn(console, "warn").mockImplementation(record);
  try {
    return { result: await fn(), logged };
  } finally {
    error.mockRestore();
    warn.mockRestore();
  }
}
