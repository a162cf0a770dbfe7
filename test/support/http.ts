/** Small helpers for calling the worker through the real runtime (SELF) in tests. */
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { expect } from "vitest";

export const ADMIN = { authorization: "Bearer test-admin-token" };

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(`http://router${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export function putJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(`http://router${path}`, {
    method: "PUT",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors: Array<{ path: string; message: string }>;
  [extension: string]: unknown;
}

/** Asserts the RFC 9457 shape and status, and returns the body. */
export async function expectProblem(response: Response, status: number): Promise<ProblemBody> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const body = (await response.json()) as ProblemBody;
  expect(body).toMatchObject({ status, type: expect.stringMatching(/^urn:edge-model-router:problem:/) });
  expect(typeof body.title).toBe("string");
  expect(typeof body.detail).toBe("string");
  expect(Array.isArray(body.errors)).toBe(true);
  return body;
}

/**
 * KV persists across the tests of a file in this pool; tests that depend on its content start from
 * empty. The registry's single writer forgets its versions too, so the next PUT is version 2 again.
 */
export async function clearKv(kv: KVNamespace): Promise<void> {
  await runInDurableObject(env.REGISTRY.getByName("global"), (_object, state) => state.storage.deleteAll());
  let cursor: string | undefined;
  do {
    const page: KVNamespaceListResult<unknown> = await kv.list(cursor ? { cursor } : {});
    await Promise.all(page.keys.map((k) => kv.delete(k.name)));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
}
