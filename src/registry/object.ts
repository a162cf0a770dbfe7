/**
 * The registry's single writer: one Durable Object (named "global") through which every
 * PUT /v1/registry goes. It assigns version numbers, compare-and-swaps on the `version` an edit
 * was based on, writes the new version and then the pointer to KV (which stays the read path:
 * store.ts), and keeps the history of every version it wrote. Writes run one at a time
 * (blockConcurrencyWhile spans the KV writes), so each successful PUT gets its own, dense version
 * that is exactly the document stored under it, and a stale `version` loses (409) instead of
 * overwriting. RPC methods only; routes.ts calls it.
 */
import { DurableObject } from "cloudflare:workers";
import { z } from "@hono/zod-openapi";
import type { Env } from "../env";
import { RegistrySchema, type Registry } from "./schema";
import { RegistryStore } from "./store";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS versions (
    version INTEGER PRIMARY KEY, updated_at TEXT NOT NULL, based_on INTEGER,
    models INTEGER NOT NULL, categories INTEGER NOT NULL, sha256 TEXT NOT NULL
  );
`;

export const VersionEntrySchema = z
  .object({
    version: z.number().int().min(1),
    updated_at: z.string(),
    based_on: z.number().int().nullable().openapi({ description: "The `version` the PUT named, or null when it named none" }),
    models: z.number().int(),
    categories: z.number().int(),
    sha256: z.string().openapi({ description: "SHA-256 of the stored document's JSON, as KV holds it" }),
  })
  .openapi("RegistryVersion");
export type VersionEntry = z.infer<typeof VersionEntrySchema>;

export const ReplaceOutcomeSchema = z.discriminatedUnion("status", [
  z.object({ status: z.literal("stored"), version: z.number().int().min(2), updated_at: z.string(), replaced: z.number().int() }),
  z.object({ status: z.literal("conflict"), current: z.number().int() }),
]);
export type ReplaceOutcome = z.infer<typeof ReplaceOutcomeSchema>;

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export class RegistryObject extends DurableObject<Env> {
  /** The last version this object wrote; before its first write, what KV points at (the demo is 1). */
  private async current(): Promise<number> {
    // Here rather than in the constructor: storage may have been emptied (deleteAll) since.
    this.ctx.storage.sql.exec(SCHEMA);
    const row = this.ctx.storage.sql.exec<{ version: number | null }>("SELECT max(version) AS version FROM versions").one();
    return row.version ?? (await new RegistryStore(this.env.ROUTER_KV).currentVersion());
  }

  /**
   * Stores `doc` as the next version, unless `basedOn` is given and is not the current version.
   * `doc` has been validated by the caller; it is parsed again here (RPC input is input).
   */
  async replace(input: Registry, basedOn: number | null, now_iso: string): Promise<ReplaceOutcome> {
    const doc = RegistrySchema.parse(input);
    return this.ctx.blockConcurrencyWhile(async () => {
      const current = await this.current();
      if (basedOn !== null && basedOn !== current) return { status: "conflict", current };
      const stored: Registry = { ...doc, version: current + 1, updated_at: now_iso };
      const json = await new RegistryStore(this.env.ROUTER_KV).store(stored);
      this.ctx.storage.sql.exec(
        "INSERT INTO versions (version, updated_at, based_on, models, categories, sha256) VALUES (?, ?, ?, ?, ?, ?)",
        stored.version, now_iso, basedOn, stored.models.length, stored.categories.length, await sha256(json),
      );
      return { status: "stored", version: stored.version!, updated_at: now_iso, replaced: current };
    });
  }

  /** Every version this object wrote, newest first, and the current one. */
  async versions(limit: number): Promise<{ current: number; versions: VersionEntry[] }> {
    // current() first: it creates the table, which a fresh object does not have yet.
    const current = await this.current();
    const rows = this.ctx.storage.sql.exec<VersionEntry>("SELECT version, updated_at, based_on, models, categories, sha256 FROM versions ORDER BY version DESC LIMIT ?", limit).toArray();
    return { current, versions: rows.map((row) => VersionEntrySchema.parse({ ...row })) };
  }
}
