/**
 * Dashboard sessions: the cookie holds `v1.<expires_ms>.<nonce>.<hmac>`, signed with a key derived
 * from ADMIN_TOKEN, never the token itself. Rotating ADMIN_TOKEN therefore ends every session.
 * The signature is compared in constant time (timingSafeEqual); a cookie that is malformed,
 * tampered with or expired is simply not a session; one logged out is listed by session-object.ts.
 * Called by dashboard/access.ts and routes.tsx; `now` and the
 * nonce are arguments, so this module reads no clock and draws no random numbers.
 */
import { timingSafeEqual } from "../auth";

export const SESSION_COOKIE = "emr_session";
/** Twelve hours: a working day at the dashboard, then log in again. */
export const SESSION_TTL_S = 12 * 3600;

const encoder = new TextEncoder();
/** Separates the session key from any other use of the admin token. */
const KEY_CONTEXT = "edge-model-router dashboard session v1";

async function hmacHex(key: CryptoKey, text: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(text));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function importKey(raw: BufferSource): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

/** The session signing key: HMAC-SHA256(admin token, KEY_CONTEXT). */
async function sessionKey(adminToken: string): Promise<CryptoKey> {
  const derived = await crypto.subtle.sign("HMAC", await importKey(encoder.encode(adminToken)), encoder.encode(KEY_CONTEXT));
  return importKey(derived);
}

export interface IssueOptions {
  adminToken: string;
  now_ms: number;
  /** Random hex (so two sessions issued in the same millisecond differ). */
  nonce: string;
  ttl_s?: number;
}

/** A signed session value for the cookie. */
export async function issueSession(options: IssueOptions): Promise<string> {
  const expires = options.now_ms + (options.ttl_s ?? SESSION_TTL_S) * 1000;
  const payload = `v1.${expires}.${options.nonce}`;
  return `${payload}.${await hmacHex(await sessionKey(options.adminToken), payload)}`;
}

/** What a verified session cookie says: its nonce (its identity, for revocation) and expiry (Unix ms). */
export interface SessionClaims {
  nonce: string;
  expires_ms: number;
}

/**
 * The claims of `value` when it is a session this admin token signed that has not expired at
 * `now_ms`, else null. Whether it was logged out is the caller's second question (session-object.ts).
 */
export async function sessionClaims(value: string | undefined, options: { adminToken: string; now_ms: number }): Promise<SessionClaims | null> {
  const match = /^(v1\.(\d{1,16})\.([0-9a-f]{16,64}))\.([0-9a-f]{64})$/.exec(value ?? "");
  if (!match) return null;
  const [, payload, expires, nonce, signature] = match;
  const expected = await hmacHex(await sessionKey(options.adminToken), payload!);
  // Signature first, in constant time; the expiry is only trusted once it is known to be ours.
  if (!(await timingSafeEqual(signature!, expected))) return null;
  return Number(expires) > options.now_ms ? { nonce: nonce!, expires_ms: Number(expires) } : null;
}

/** Whether `value` is a session this admin token signed that has not expired at `now_ms` (revocation not considered). */
export async function verifySession(value: string | undefined, options: { adminToken: string; now_ms: number }): Promise<boolean> {
  return (await sessionClaims(value, options)) !== null;
}
