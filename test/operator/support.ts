/**
 * Helpers for the operator tests: scrape GET /metrics through a given fetch (the worker, or a
 * fresh app instance), parse it with an independent Prometheus parser, and read single samples.
 */
import { expect } from "vitest";
import parsePrometheusTextFormat, { type ParsedFamily } from "parse-prometheus-text-format";
import { ADMIN } from "../support/http";

export type Fetcher = (request: Request) => Promise<Response>;

export interface Scrape {
  text: string;
  families: ParsedFamily[];
}

/** GET /metrics with the admin token; fails unless it is a 200 in the 0.0.4 text format. */
export async function scrape(fetcher: Fetcher): Promise<Scrape> {
  const response = await fetcher(new Request("http://router/metrics", { headers: ADMIN }));
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  return { text, families: parsePrometheusTextFormat(text) };
}

function family(s: Scrape, name: string): ParsedFamily | undefined {
  return s.families.find((f) => f.name === name);
}

const matches = (labels: Record<string, string> | undefined, wanted: Record<string, string>): boolean =>
  Object.entries(wanted).every(([k, v]) => (labels ?? {})[k] === v);

/** The sample of `name` whose labels include `labels`; null when there is none. Fails when several match. */
export function sample(s: Scrape, name: string, labels: Record<string, string> = {}): number | null {
  const found = (family(s, name)?.metrics ?? []).filter((m) => matches(m.labels, labels));
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.value === undefined ? null : Number(found[0].value);
}

/** Like sample, but an absent counter series reads as 0 (it has not been incremented yet). */
export function counter(s: Scrape, name: string, labels: Record<string, string> = {}): number {
  return sample(s, name, labels) ?? 0;
}

/** Count of an unlabelled histogram. */
export function histogramCount(s: Scrape, name: string): number {
  const metric = family(s, name)?.metrics[0];
  return metric?.count === undefined ? 0 : Number(metric.count);
}

/** Polls `probe` until it returns something other than null, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | null>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
