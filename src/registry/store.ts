/**
 * The registry in KV. Each version is an immutable key (`registry:v:<n>`); `registry:current`
 * points at the live one. A replace writes the new version first and moves the pointer last, so
 * a reader sees either the old or the new document, never half of one. Until the first PUT the
 * bundled demo registry is version 1.
 *
 * Only the registry's single writer (object.ts) writes here: it assigns versions and compares the
 * `version` an edit was based on, so concurrent PUTs never share or skip a version. KV is the read
 * path and never a compare-and-swap.
 */
import { z } from "@hono/zod-openapi";
import demoRegistry from "./demo-registry.json";
import { RegistrySchema, type Registry } from "./schema";

const POINTER_KEY = "registry:current";
const versionKey = (version: number): string => `registry:v:${version}`;
const PointerSchema = z.strictObject({ version: z.number().int().min(1), updated_at: z.string() });

/** The bundled demo registry, validated once per isolate. */
export const DEMO_REGISTRY: Registry = RegistrySchema.parse(demoRegistry);

/** The pointer names a version that cannot be read back or does not validate. */
export class StoredRegistryError extends Error {}

export class RegistryStore {
  constructor(private readonly kv: KVNamespace) {}

  /** The live version number: one small KV read. */
  async currentVersion(): Promise<number> {
    const pointer = await this.pointer();
    return pointer?.version ?? DEMO_REGISTRY.version;
  }

  /** The document of a version; the demo for version 1 when nothing was ever stored. */
  async load(version: number): Promise<Registry> {
    const raw = await this.kv.get(versionKey(version), "json");
    if (raw === null) {
      if (version === DEMO_REGISTRY.version) return DEMO_REGISTRY;
      throw new StoredRegistryError(`registry version ${version} is missing from KV (not yet replicated here, or deleted)`);
    }
    // What comes back from KV is validated like any other input.
    const parsed = RegistrySchema.safeParse(raw);
    if (!parsed.success) throw new StoredRegistryError(`stored registry version ${version} fails validation: ${parsed.error.issues.length} issue(s)`);
    return parsed.data;
  }

  async current(): Promise<Registry> {
    return this.load(await this.currentVersion());
  }

  /**
   * Writes `doc` under its own version, then points at it (never the other way round), and returns
   * the JSON stored. Called only by RegistryObject, which numbers the versions.
   */
  async store(doc: Registry): Promise<string> {
    const json = JSON.stringify(doc);
    await this.kv.put(versionKey(doc.version), json);
    await this.kv.put(POINTER_KEY, JSON.stringify({ version: doc.version, updated_at: doc.updated_at }));
    return json;
  }

  private async pointer(): Promise<z.infer<typeof PointerSchema> | null> {
    const raw = await this.kv.get(POINTER_KEY, "json");
    if (raw === null) return null;
    const parsed = PointerSchema.safeParse(raw);
    if (!parsed.success) throw new StoredRegistryError("the registry pointer in KV fails validation");
    return parsed.data;
  }
}
