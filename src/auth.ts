/**
 * Bearer-token checks for admin and client calls. Tokens are compared in constant time: both
 * sides are hashed to SHA-256 first, so neither length nor content leaks through timing.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./env";
import { Problem, unauthorized } from "./errors";

const encoder = new TextEncoder();

/** Constant-time string equality (hash both, XOR every byte). */
export async function timingSafeEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

/** The token of an `Authorization: Bearer <token>` header, or null. Also used by src/operator (metrics, dashboard). */
export function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match ? match[1]! : null;
}

/** Admin calls: `Authorization: Bearer <ADMIN_TOKEN>`. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  if (!expected) {
    throw new Problem({
      status: 403,
      title: "Forbidden",
      detail: "admin calls are disabled: ADMIN_TOKEN is not configured (wrangler secret put ADMIN_TOKEN, or .dev.vars)",
      errors: [{ path: "header.authorization", message: "admin token not configured on the server" }],
    });
  }
  const token = bearer(c.req.header("authorization"));
  if (token === null) throw unauthorized("missing 'Authorization: Bearer <admin token>'");
  if (!(await timingSafeEqual(token, expected))) throw unauthorized("admin token does not match");
  await next();
};

let parsedKeys: { raw: string | undefined; keys: readonly string[] } = { raw: undefined, keys: [] };

/** CLIENT_KEYS as a list, split once per value (it is configuration: the same on every request of an isolate). */
function clientKeys(raw: string | undefined): readonly string[] {
  if (parsedKeys.raw !== raw) parsedKeys = { raw, keys: (raw ?? "").split(",").map((k) => k.trim()).filter((k) => k !== "") };
  return parsedKeys.keys;
}

/** Whether CLIENT_KEYS is set, so every client call carried a key (requireClient checked it). */
export function clientKeysConfigured(env: AppEnv["Bindings"]): boolean {
  return clientKeys(env.CLIENT_KEYS).length > 0;
}

/** Whether the request carries `Authorization: Bearer <ADMIN_TOKEN>` (constant-time). */
export async function isAdmin(c: Context<AppEnv>): Promise<boolean> {
  const token = bearer(c.req.header("authorization"));
  return token !== null && Boolean(c.env.ADMIN_TOKEN) && (await timingSafeEqual(token, c.env.ADMIN_TOKEN!));
}

/** Client calls: open unless CLIENT_KEYS is set; the admin token is accepted too. */
export const requireClient: MiddlewareHandler<AppEnv> = async (c, next) => {
  const keys = clientKeys(c.env.CLIENT_KEYS);
  if (keys.length === 0) return next();
  const token = bearer(c.req.header("authorization"));
  if (token === null) throw unauthorized("missing 'Authorization: Bearer <client key>'");
  const candidates = c.env.ADMIN_TOKEN ? [...keys, c.env.ADMIN_TOKEN] : keys;
  // Compare against every key so the time taken does not reveal which one matched.
  const matches = await Promise.all(candidates.map((k) => timingSafeEqual(token, k)));
  if (!matches.some(Boolean)) throw unauthorized("client key does not match");
  await next();
};
