/**
 * Helpers for the agent CLI tests: in-memory CLI streams, a real HTTP server on 127.0.0.1 that
 * checks signatures with the worker's own verify() and answers with scripted statuses, and a
 * bounded poll. `wrangler dev` itself comes from bench/servers.ts.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CliIo } from "../../cli/shared/io";
import { SnapshotSchema, type Snapshot } from "../../src/telemetry/snapshot";
import { verify } from "../../src/telemetry/signature";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const FIXTURE_DIR = join(REPO_ROOT, "test/fixtures/nvidia-smi");
export const AGENT_ID = "node-test-agent";
export const AGENT_KEY = "node-test-agent-key-0001";

export interface MemoryIo extends CliIo {
  out(): string;
  err(): string;
}

export function memoryIo(): MemoryIo {
  let out = "";
  let err = "";
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s), isTTY: false },
    env: {},
    out: () => out,
    err: () => err,
  };
}

/** A key file holding AGENT_KEY, in a fresh temporary directory. */
export function keyFile(key = AGENT_KEY): string {
  const path = join(mkdtempSync(join(tmpdir(), "agent-key-")), "agent.key");
  writeFileSync(path, `${key}\n`);
  return path;
}

export interface Received {
  status: number;
  signatureValid: boolean;
  snapshot: Snapshot | null;
}

export interface TelemetryServer {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/**
 * Answers POST /v1/telemetry with the next status of `script` (the last one repeats), 401 when
 * the signature does not verify. Every request is recorded with its parsed snapshot.
 */
export async function startTelemetryServer(script: number[] = [202]): Promise<TelemetryServer> {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", async () => {
      const body = new Uint8Array(Buffer.concat(chunks));
      const header = (name: string) => String(request.headers[name] ?? "");
      const signatureValid = header("x-agent-id") === AGENT_ID && (await verify([AGENT_KEY], header("x-timestamp"), body, header("x-signature")));
      const parsed = SnapshotSchema.safeParse(JSON.parse(Buffer.from(body).toString("utf8")));
      const status = signatureValid ? (script[Math.min(received.length, script.length - 1)] ?? 202) : 401;
      received.push({ status, signatureValid, snapshot: parsed.success ? parsed.data : null });
      response.writeHead(status, { "content-type": status === 202 ? "application/json" : "application/problem+json" });
      response.end(JSON.stringify(status === 202 ? { accepted: true } : { status, title: "scripted", detail: `scripted ${status}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls `check` every 200 ms until it returns a value or `timeoutMs` passes. */
export async function eventually<T>(check: () => Promise<T | null>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
