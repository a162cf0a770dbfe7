/**
 * Fake OpenAI-compatible inference servers for the gateway end-to-end test: real node:http
 * servers on 127.0.0.1 that record every request they receive (method, path, headers, body) and
 * answer with a scripted behaviour. Also a port nothing listens on, and the registry the test
 * installs (every model fits only on the node that lists it, so each placement is known).
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { freePort } from "../../bench/servers";
import type { Model, Registry } from "../../src/registry/schema";
import { model, registry } from "../support/builders";

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as parsed JSON ({} when empty or not JSON). */
  body: Record<string, unknown>;
  /** The body's bytes exactly as they arrived. */
  raw: Buffer;
  /** When the request arrived (Date.now()). */
  at: number;
  /** Set when the router closed the connection before the answer was complete (it gave up: the client went away). */
  abortedAt: number | null;
}

export type Behaviour = (request: Received, response: ServerResponse) => void | Promise<void>;

export interface Upstream {
  /** The endpoint an agent reports with --node-endpoint. */
  url: string;
  received: Received[];
  close(): Promise<void>;
}

export async function startUpstream(behaviour: Behaviour): Promise<Upstream> {
  const received: Received[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      const raw = Buffer.concat(chunks);
      const entry: Received = { method: request.method ?? "", path: request.url ?? "", headers: request.headers, body: parseBody(raw), raw, at: Date.now(), abortedAt: null };
      response.on("close", () => {
        if (!response.writableFinished) entry.abortedAt = Date.now();
      });
      received.push(entry);
      void behaviour(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseBody(raw: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(raw.toString("utf8"));
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A port that was free a moment ago and that nothing listens on: connections are refused. */
export async function deadEndpoint(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

/** A chat.completion body as vLLM answers it, naming the model the server was asked for. */
export function completion(servedModel: unknown, text: string): string {
  return JSON.stringify({
    id: "chatcmpl-test",
    object: "chat.completion",
    created: 1_790_000_000,
    model: servedModel,
    choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  });
}

/** One server-sent event carrying a delta, as OpenAI-compatible servers stream them. */
export function sseChunk(content: string): string {
  return `data: ${JSON.stringify({ id: "chatcmpl-test", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content } }] })}\n\n`;
}

/** Larger than an H200's free memory with headroom (143156 MiB free), smaller than its total (143771). */
const FOOTPRINT_MB = 142_000;

function gwModel(id: string, scores: Record<string, number>): Model {
  const categories = Object.fromEntries(Object.entries(scores).map(([c, base_score]) => [c, { base_score, confidence: 1 }]));
  return model(id, { hf_repo: `test-org/${id}-hf`, memory_mb: { bf16: FOOTPRINT_MB }, default_precision: "bf16", categories });
}

/**
 * Categories without benchmarks, so a model's total is its base score. Each category's ranking:
 *   chat:   alpha (500s) > bravo (ok)         — failover past a 5xx
 *   math:   delta (dead port) > bravo (ok)    — failover past a dead port, then its breaker
 *   code:   alpha (500s) > golf (dead port)   — every attempt fails
 *   python: foxtrot (never answers) > bravo   — failover past a timeout
 *   write:  bravo, india (both on the ok node) — the experiment's two arms
 */
export function gatewayRegistry(): Registry {
  const base = registry([]);
  const categories = ["chat", "math", "code", "python", "write"].map((id) => ({ id, parent: null, description: id, benchmarks: [] }));
  return {
    ...base,
    config: {
      ...base.config,
      // No own-placement load and fresh for the whole run, so the placements above never move; no canaries.
      gpu: { ...base.config.gpu, memory_headroom_mb: 2000, request_load_pct: 0, stale_after_s: 3600 },
      canary: { enabled: false },
    },
    categories,
    models: [
      gwModel("alpha", { chat: 40, code: 40 }),
      gwModel("bravo", { chat: 30, math: 30, python: 30, write: 40 }),
      gwModel("delta", { math: 40 }),
      gwModel("foxtrot", { python: 40 }),
      gwModel("golf", { code: 30 }),
      gwModel("india", { write: 30 }),
    ],
  };
}
