/**
 * Agent request signing (DESIGN §2): X-Signature = hex(HMAC-SHA256(key, canonical string)) with
 * X-Timestamp in Unix seconds and X-Agent-Id naming the key. The canonical string covers every
 * input that changes what is stored, so a captured push cannot be replayed with other metadata:
 *
 *   <X-Timestamp> LF <X-Node-Name> LF <X-Node-Endpoint> LF <X-Models> LF <X-Query-Fields> LF <body>
 *
 * Each header value as sent (empty when absent; HTTP header values cannot hold a line feed, so
 * the fields cannot run into each other), then the body byte for byte. A JSON snapshot carries its
 * node, endpoint and models inside the body and sends none of the four headers. WebCrypto only,
 * so the agent (Node 20's globalThis.crypto) and the worker run this same file.
 */
import { timingSafeEqual } from "../auth";

export const AGENT_HEADER = "x-agent-id";
export const TIMESTAMP_HEADER = "x-timestamp";
export const SIGNATURE_HEADER = "x-signature";

/** The headers of a raw upload that change stored state, in their order in the signed string. */
export const SIGNED_HEADERS = ["x-node-name", "x-node-endpoint", "x-models", "x-query-fields"] as const;
export type SignedHeader = (typeof SIGNED_HEADERS)[number];
/** Values of the signed headers a request carries; an absent header signs as "". */
export type SignedMetadata = Partial<Record<SignedHeader, string>>;

/** Largest accepted difference between X-Timestamp and the worker's clock. */
export const MAX_SKEW_S = 300;

const encoder = new TextEncoder();

function bytesOf(body: string | Uint8Array): Uint8Array {
  return typeof body === "string" ? encoder.encode(body) : body;
}

/** The exact bytes that are signed: the timestamp and the four header values, one per line, then the body as sent. */
export function signedBytes(timestamp: string, body: string | Uint8Array, metadata: SignedMetadata = {}): Uint8Array {
  const head = encoder.encode(`${[timestamp, ...SIGNED_HEADERS.map((name) => metadata[name] ?? "")].join("\n")}\n`);
  const rest = bytesOf(body);
  const all = new Uint8Array(head.length + rest.length);
  all.set(head, 0);
  all.set(rest, head.length);
  return all;
}

/** Lowercase hex HMAC-SHA256 of the canonical string under `key`. */
export async function sign(key: string, timestamp: string, body: string | Uint8Array, metadata: SignedMetadata = {}): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey("raw", encoder.encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, signedBytes(timestamp, body, metadata)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * True when `signature` matches under any of `keys` (two during a rotation). Every key is tried
 * and compared in constant time, so timing tells neither which key matched nor how much did.
 */
export async function verify(
  keys: readonly string[],
  timestamp: string,
  body: string | Uint8Array,
  signature: string,
  metadata: SignedMetadata = {},
): Promise<boolean> {
  const given = signature.trim().toLowerCase();
  const expected = await Promise.all(keys.map((key) => sign(key, timestamp, body, metadata)));
  const matches = await Promise.all(expected.map((e) => timingSafeEqual(e, given)));
  return matches.some(Boolean);
}

/**
 * The headers an agent sends with `body`, signed at `nowSeconds`: the three signature headers plus
 * each non-empty metadata header, exactly as signed.
 */
export async function signatureHeaders(
  agentId: string,
  key: string,
  body: string | Uint8Array,
  nowSeconds: number,
  metadata: SignedMetadata = {},
): Promise<Record<string, string>> {
  const timestamp = String(Math.floor(nowSeconds));
  // fetch trims header values, so sign them trimmed: what is signed is what arrives.
  const sent: SignedMetadata = {};
  for (const name of SIGNED_HEADERS) {
    const value = metadata[name]?.trim();
    if (value) sent[name] = value;
  }
  return { ...sent, [AGENT_HEADER]: agentId, [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: await sign(key, timestamp, body, sent) };
}
