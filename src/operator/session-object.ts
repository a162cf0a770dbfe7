/**
 * Logged-out dashboard sessions: one Durable Object (named "global") that remembers the nonce of
 * every session POST /logout ended, until that session would have expired anyway. A session
 * cookie is a signed, stateless value (session.ts), so without this list a cookie copied before
 * logout kept opening the dashboard for up to 12 hours (finding 9 of the security review).
 *
 * Only a session whose signature has already been verified is ever looked up or revoked, so a
 * forged or random cookie reaches neither storage nor this object's clock. Rows are at most one
 * per logout within SESSION_TTL_S, and expired rows are deleted on each revocation.
 */
import { DurableObject } from "cloudflare:workers";
import { z } from "@hono/zod-openapi";
import type { Env } from "../env";

const SCHEMA = "CREATE TABLE IF NOT EXISTS revoked (nonce TEXT PRIMARY KEY, expires_ms INTEGER NOT NULL)";

/** The nonce issueSession writes: 16 to 64 lowercase hex digits. RPC input is input. */
const NonceSchema = z.string().regex(/^[0-9a-f]{16,64}$/);
const MillisSchema = z.number().int().min(0);

export class SessionObject extends DurableObject<Env> {
  private table(): void {
    // Per call rather than in the constructor: storage may have been emptied (deleteAll) since.
    this.ctx.storage.sql.exec(SCHEMA);
  }

  /** Ends the session with this nonce; `expires_ms` is the session's own expiry (Unix ms). */
  async revoke(nonce: string, expires_ms: number, now_ms: number): Promise<void> {
    const row = { nonce: NonceSchema.parse(nonce), expires_ms: MillisSchema.parse(expires_ms), now_ms: MillisSchema.parse(now_ms) };
    this.table();
    this.ctx.storage.sql.exec("DELETE FROM revoked WHERE expires_ms <= ?", row.now_ms);
    if (row.expires_ms > row.now_ms) this.ctx.storage.sql.exec("INSERT OR IGNORE INTO revoked (nonce, expires_ms) VALUES (?, ?)", row.nonce, row.expires_ms);
  }

  /** Whether the session with this nonce was logged out. */
  async isRevoked(nonce: string): Promise<boolean> {
    this.table();
    return this.ctx.storage.sql.exec("SELECT 1 FROM revoked WHERE nonce = ?", NonceSchema.parse(nonce)).toArray().length > 0;
  }

  /** Logged-out sessions not yet expired (for tests and the docs' bound). */
  async count(now_ms: number): Promise<number> {
    this.table();
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM revoked WHERE expires_ms > ?", MillisSchema.parse(now_ms)).one().n;
  }
}
