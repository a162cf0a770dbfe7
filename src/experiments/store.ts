/**
 * The experiment index in KV, which the router reads instead of asking every Durable Object:
 * one key per experiment (`experiment:<id>`) holding the definition, with its status and scope
 * in the key's metadata so a `list` alone tells which experiments run where. The Durable Object
 * stays authoritative; service.ts writes here after each create and stop.
 */
import { z } from "@hono/zod-openapi";
import { ExperimentSchema, ExperimentStatusSchema, type Experiment } from "./schema";

const PREFIX = "experiment:";

const MetadataSchema = z.object({ status: ExperimentStatusSchema, category: z.string(), include_descendants: z.boolean() });

/** One listed key: the experiment id and the metadata stored beside it. */
export interface ExperimentListing {
  id: string;
  status: Experiment["status"];
  category: string;
  include_descendants: boolean;
}

export class ExperimentStore {
  constructor(private readonly kv: KVNamespace) {}

  async put(experiment: Experiment): Promise<void> {
    const metadata: z.infer<typeof MetadataSchema> = {
      status: experiment.status,
      category: experiment.scope.category,
      include_descendants: experiment.scope.include_descendants,
    };
    await this.kv.put(PREFIX + experiment.id, JSON.stringify(experiment), { metadata });
  }

  async get(id: string): Promise<Experiment | null> {
    const raw = await this.kv.get(PREFIX + id, "json");
    // Validated on the way out of KV like any other input.
    return raw === null ? null : ExperimentSchema.parse(raw);
  }

  /** Like get, but a definition that fails validation is logged and treated as absent. */
  async tryGet(id: string): Promise<Experiment | null> {
    try {
      return await this.get(id);
    } catch (error) {
      console.error(`experiment index: ignoring ${PREFIX + id}, its definition is unreadable:`, error);
      return null;
    }
  }

  /** Every key with its metadata, following list cursors; keys with unreadable metadata are skipped and logged. */
  async list(): Promise<ExperimentListing[]> {
    const out: ExperimentListing[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.kv.list({ prefix: PREFIX, ...(cursor ? { cursor } : {}) });
      for (const key of page.keys) {
        const metadata = MetadataSchema.safeParse(key.metadata);
        if (!metadata.success) {
          console.error(`experiment index: ignoring ${key.name}, its metadata is invalid`);
          continue;
        }
        out.push({ id: key.name.slice(PREFIX.length), ...metadata.data });
      }
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
    return out;
  }

  /** The definitions of every listed experiment (optionally only those with `status`), by id. */
  async all(status?: Experiment["status"]): Promise<Experiment[]> {
    const listed = (await this.list()).filter((l) => status === undefined || l.status === status);
    const found = await Promise.all(listed.map((l) => this.tryGet(l.id)));
    return found.filter((e): e is Experiment => e !== null).sort((a, b) => a.id.localeCompare(b.id));
  }
}
