/**
 * Agent request signing (DESIGN §2): X-Signature = hex(HMAC-SHA256(key, "<timestamp>.<body>"))
 * with X-Timestamp in Unix seconds and X-Agent-Id naming the key. WebCrypto only, so the agent
 * (Node 20's globalThis.crypto) and the worker run this same file.
 */
import { timingSafeEqual } from "../auth";

export const AGENT_HEADER = "x-agent-id";
export const TIMESTAMP_HEADER = "x-timestamp";
export const SIGNATURE_HEADER = "x-signature";

/** Largest accepted difference between X-Timestamp and the worker's clock. */
export const MAX_SKEW_S = 300;

const encoder = new TextEncoder();

function bytesOf(body: string | Uint8Array): Uint8Array {
  return typeof body === "string" ? encoder.encode(body) : body;
}

/** The exact bytes that are signed: ASCII timestamp, a dot, then the body as sent. */
export function signedBytes(timestamp: string, body: string | Uint8Array): Uint8Array {
  const head = encoder.encode(`${timestamp}.`);
  const rest = bytesOf(body);
  const all = new Uint8Array(head.length + rest.length);
  all.set(head, 0);
  all.set(rest, head.length);
  return all;
}

/** Lowercase hex HMAC-SHA256 of "<timestamp>.<body>" under `key`. */
export async function sign(key: string, timestamp: string, body: string | Uint8Array): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey("raw", encoder.encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, signedBytes(timestamp, body)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * True when `signature` matches under any of `keys` (two during a rotation). Every key is tried
 * and compared in constant time, so timing tells neither which key matched nor how much did.
 */
export async function verify(keys: readonly string[], timestamp: string, body: string | Uint8Array, signature: string): Promise<boolean> {
  const given = signature.trim().toLowerCase();
  const expected = await Promise.all(keys.map((key) => sign(key, timestamp, body)));
  const matches = await Promise.all(expected.map((e) => timingSafeEqual(e, given)));
  return matches.some(Boolean);
}

/** The three headers an agent sends with `body`, signed at `nowSeconds`. */
export async function signatureHeaders(agentId: string, key: string, body: string | Uint8Array, nowSeconds: number): Promise<Record<string, string>> {
  const timestamp = String(Math.floor(nowSeconds));
  return { [AGENT_HEADER]: agentId, [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: await sign(key, timestamp, body) };
}
