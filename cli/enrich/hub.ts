/**
 * Where model cards and API records come from: the Hugging Face Hub (or a mirror) over HTTP, or
 * a directory of saved copies (--from-dir DIR, laid out as DIR/<owner>/<name>/README.md, api.json,
 * config.json). main.ts asks for one repo's files at a time; a missing card is a failure of that
 * model only, a missing API record or config.json only a note.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { getWithRetry, HttpFailure, type HttpOptions } from "./http";

export type Fetched = { ok: true; text: string; contentType: string; notes: string[] } | { ok: false; reason: string; notes: string[] };

export interface Hub {
  /** The card page URL recorded as a result's `source`. */
  cardUrl(repo: string): string;
  /** True when results come from local copies (said in source_note). */
  readonly local: boolean;
  card(repo: string): Promise<Fetched>;
  api(repo: string): Promise<Fetched>;
  config(repo: string): Promise<Fetched>;
}

export const PUBLIC_HUB = "https://huggingface.co";

export class HttpHub implements Hub {
  readonly local = false;

  constructor(
    private readonly endpoint: string,
    private readonly http: HttpOptions,
  ) {}

  cardUrl(repo: string): string {
    return `${this.endpoint}/${repo}`;
  }

  card(repo: string): Promise<Fetched> {
    return this.get(`${this.endpoint}/${repo}/raw/main/README.md`);
  }

  api(repo: string): Promise<Fetched> {
    return this.get(`${this.endpoint}/api/models/${repo}`);
  }

  config(repo: string): Promise<Fetched> {
    return this.get(`${this.endpoint}/${repo}/raw/main/config.json`);
  }

  private async get(url: string): Promise<Fetched> {
    try {
      const answer = await getWithRetry(url, this.http);
      const notes = answer.retries.map((r) => `GET ${url}: ${r}`);
      if (answer.status !== 200) return { ok: false, reason: `GET ${url} answered ${answer.status}${statusHint(answer.status)}`, notes };
      return { ok: true, text: answer.text, contentType: answer.contentType, notes };
    } catch (error) {
      if (error instanceof HttpFailure) return { ok: false, reason: error.message, notes: [] };
      throw error;
    }
  }
}

function statusHint(status: number): string {
  if (status === 401 || status === 403) return " (gated or private: set HF_TOKEN)";
  if (status === 404) return " (no such repo or file)";
  if (status === 429) return " (rate limited; retries spent)";
  return "";
}

export class DirHub implements Hub {
  readonly local = true;

  constructor(private readonly dir: string) {}

  /** Local copies stand for the public card, so that is what results cite. */
  cardUrl(repo: string): string {
    return `${PUBLIC_HUB}/${repo}`;
  }

  card(repo: string): Promise<Fetched> {
    return this.read(repo, "README.md");
  }

  api(repo: string): Promise<Fetched> {
    return this.read(repo, "api.json");
  }

  config(repo: string): Promise<Fetched> {
    return this.read(repo, "config.json");
  }

  private async read(repo: string, file: string): Promise<Fetched> {
    const path = join(this.dir, ...repo.split("/"), file);
    try {
      return { ok: true, text: await readFile(path, "utf8"), contentType: "", notes: [] };
    } catch (error) {
      const code = error instanceof Error && "code" in error ? String(error.code) : "";
      return { ok: false, reason: code === "ENOENT" ? `no ${file} at ${path}` : `cannot read ${path}: ${String(error)}`, notes: [] };
    }
  }
}
