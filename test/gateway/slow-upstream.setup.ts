/**
 * Global setup of the workers project: a slow OpenAI-compatible stand-in on 127.0.0.1 (a Node
 * server: the workers runtime cannot listen), for the test that a client's disconnect aborts the
 * gateway's non-streamed upstream request (cancel.test.ts). POST answers after the body's
 * `delay_ms`; it records, per x-request-id, when the request came and when the router closed it
 * unanswered; GET /seen/<x-request-id> reports that. Handed to tests as inject("slowUpstream").
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    slowUpstream: string;
  }
}

interface Seen {
  at: number;
  abortedAt: number | null;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const seen = new Map<string, Seen>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (request.method === "GET" && request.url?.startsWith("/seen/")) {
      const entry = seen.get(decodeURIComponent(request.url.slice("/seen/".length))) ?? null;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(entry));
      return;
    }
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      const entry: Seen = { at: Date.now(), abortedAt: null };
      seen.set(String(request.headers["x-request-id"] ?? ""), entry);
      response.on("close", () => {
        if (!response.writableFinished) entry.abortedAt = Date.now();
      });
      let delay = 8000;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { delay_ms?: unknown };
        if (typeof body.delay_ms === "number") delay = body.delay_ms;
      } catch {
        // not JSON: the default delay
      }
      const timer = setTimeout(() => {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ object: "chat.completion", choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
      }, delay);
      response.on("close", () => clearTimeout(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  project.provide("slowUpstream", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}
