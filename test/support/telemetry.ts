/**
 * Signed telemetry pushes through the real worker (SELF), with the test-only agent keys that
 * vitest.config.ts binds as AGENT_KEYS. Signing uses the production signer, so a test that
 * passes here exercises the same bytes an agent sends.
 */
import { env, SELF } from "cloudflare:test";
import { SIGNED_HEADERS, signatureHeaders, type SignedMetadata } from "../../src/telemetry/signature";
import type { SnapshotInput } from "../../src/telemetry/snapshot";
import type { GpuReading } from "../../src/telemetry/nvidia-smi";
import { NODE_PREFIX } from "../../src/telemetry/store";

export const TEST_AGENT = "test-agent";
export const TEST_KEYS = ["test-agent-key-0001", "test-agent-key-0002"] as const;
export const OTHER_AGENT = "other-agent";
export const OTHER_KEY = "other-agent-key-0001";

let nextSeq = Date.now();

/** A healthy, idle GPU with `free` MiB free; override anything. */
export function gpu(index: number, free: number, overrides: Partial<GpuReading> = {}): GpuReading {
  return {
    index,
    uuid: `GPU-test-${index}`,
    name: "Test GPU",
    memory_total_mb: Math.max(free, 81920),
    memory_used_mb: 0,
    memory_free_mb: free,
    memory_reserved_mb: 0,
    utilization_gpu_pct: 5,
    utilization_memory_pct: 1,
    temperature_c: 40,
    power_draw_w: 100,
    power_limit_w: 400,
    pstate: "P0",
    throttle_reasons: [],
    ecc_errors_uncorrected: 0,
    mig_mode: "disabled",
    mig_devices: [],
    ...overrides,
  };
}

/** A fresh snapshot of `node` (taken now, next sequence number) with the given GPUs. */
export function snapshot(node: string, gpus: GpuReading[], overrides: Partial<SnapshotInput> = {}): SnapshotInput {
  return {
    agent_id: TEST_AGENT,
    node,
    endpoint: `http://${node}.test:8000`,
    models: [],
    seq: nextSeq++,
    taken_at: new Date().toISOString(),
    gpus,
    ...overrides,
  };
}

export interface PushOptions {
  agent?: string;
  key?: string;
  /** Unix seconds to sign with; now by default. */
  timestamp?: number;
  contentType?: string;
  /** Extra headers; X-Node-Name, X-Node-Endpoint, X-Models and X-Query-Fields among them are signed. */
  headers?: Record<string, string>;
  /** Headers added after signing (a tampered or replayed request). */
  unsigned?: Record<string, string>;
  /** Where the router is reached; `http://127.0.0.1` is local development, where loopback node endpoints are allowed. */
  origin?: string;
}

/** POSTs `body` (an object is sent as JSON) to /v1/telemetry, signed as the test agent unless told otherwise. */
export async function push(body: unknown, options: PushOptions = {}): Promise<Response> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const metadata: SignedMetadata = {};
  for (const name of SIGNED_HEADERS) if (options.headers?.[name] !== undefined) metadata[name] = options.headers[name];
  const signed = await signatureHeaders(options.agent ?? TEST_AGENT, options.key ?? TEST_KEYS[0], text, options.timestamp ?? Date.now() / 1000, metadata);
  return SELF.fetch(`${options.origin ?? "http://router"}/v1/telemetry`, {
    method: "POST",
    headers: { "content-type": options.contentType ?? "application/json", ...options.headers, ...signed, ...options.unsigned },
    body: text,
  });
}

/** Pushes and fails loudly unless the router accepted it. */
export async function pushOk(body: SnapshotInput, options: PushOptions = {}): Promise<void> {
  const response = await push(body, options);
  if (response.status !== 202) throw new Error(`push of ${body.node} answered ${response.status}: ${await response.text()}`);
}

/**
 * Deletes every node key and releases every node's ownership record, so a test sees only the
 * fleet it pushes and may push any node as any agent (KV and Durable Object state outlive a test here).
 */
export async function clearFleet(kv: KVNamespace): Promise<void> {
  for (const agent of Object.keys(JSON.parse(env.AGENT_KEYS ?? "{}") as object)) {
    for (const node of await env.AGENTS.getByName(agent).nodes(Date.now())) await env.NODES.getByName(node).release(node);
  }
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix: NODE_PREFIX, ...(cursor ? { cursor } : {}) });
    await Promise.all(page.keys.map((k) => kv.delete(k.name)));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor !== undefined);
}
