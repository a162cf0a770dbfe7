/** Dashboard sessions: signed, expiring, bound to the admin token, never containing it. */
import { describe, expect, it } from "vitest";
import { issueSession, SESSION_TTL_S, verifySession } from "../../src/operator/session";

const adminToken = "test-admin-token";
const now_ms = 1_800_000_000_000;
const nonce = "0123456789abcdef0123456789abcdef";

describe("sessions", () => {
  it("verify until they expire, and not after", async () => {
    const value = await issueSession({ adminToken, now_ms, nonce });
    expect(value).not.toContain(adminToken);
    expect(await verifySession(value, { adminToken, now_ms })).toBe(true);
    expect(await verifySession(value, { adminToken, now_ms: now_ms + SESSION_TTL_S * 1000 - 1 })).toBe(true);
    expect(await verifySession(value, { adminToken, now_ms: now_ms + SESSION_TTL_S * 1000 })).toBe(false);
  });

  it("differ by nonce, and fail under another admin token", async () => {
    const a = await issueSession({ adminToken, now_ms, nonce });
    const b = await issueSession({ adminToken, now_ms, nonce: nonce.replace("0", "f") });
    expect(a).not.toBe(b);
    expect(await verifySession(a, { adminToken: "another-admin-token", now_ms })).toBe(false);
  });

  it("fail when any part is changed or missing", async () => {
    const value = await issueSession({ adminToken, now_ms, nonce });
    const [v, expires, n, mac] = value.split(".");
    const forged = [
      `${v}.${Number(expires) + 1}.${n}.${mac}`,
      `${v}.${expires}.${n!.replace("0", "1")}.${mac}`,
      `${v}.${expires}.${n}.${mac!.replace(/.$/, (c) => (c === "a" ? "b" : "a"))}`,
      `v2.${expires}.${n}.${mac}`,
      `${v}.${expires}.${n}`,
      "",
      undefined,
    ];
    for (const f of forged) expect(await verifySession(f, { adminToken, now_ms })).toBe(false);
  });
});
