/**
 * Where `validate` reads a registry from: a JSON file, or GET /v1/registry of a running router.
 * Failing to read (missing file, unreachable router, non-200) is a UsageError (exit 2); a body
 * that is not JSON is returned as a document error, because that is a fault of the registry.
 */
import { readFile } from "node:fs/promises";
import { UsageError } from "../shared/args";

export type Loaded = { ok: true; doc: unknown } | { ok: false; error: string };

export async function loadFile(path: string): Promise<Loaded> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseJson(text);
}

/** GET {base}/v1/registry (or the URL itself when it already names that path), with ROUTER_TOKEN as bearer when set. */
export async function loadUrl(base: string, token: string | undefined, timeoutMs: number): Promise<Loaded> {
  const url = /\/v1\/registry$/.test(new URL(base).pathname) ? base : `${base}/v1/registry`;
  const headers: Record<string, string> = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new UsageError(`cannot reach ${url}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const text = await response.text();
  if (response.status !== 200) {
    const detail = text.length > 300 ? `${text.slice(0, 300)}…` : text;
    throw new UsageError(`GET ${url} answered ${response.status}${response.status === 401 ? " (set ROUTER_TOKEN to a client key)" : ""}: ${detail}`);
  }
  return parseJson(text);
}

function parseJson(text: string): Loaded {
  try {
    return { ok: true, doc: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}
