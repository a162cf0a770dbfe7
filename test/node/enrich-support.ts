/**
 * Test support for the registry CLIs: an in-memory CliIo to run a CLI's main in-process, a
 * fake Hub (a real HTTP server on 127.0.0.1 serving test/fixtures/model-cards with scripted
 * misbehaviour: 429s, 5xx, HTML, hangs), and a registry whose models are the fixture repos.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import type { CliIo } from "../../cli/shared/io";
import type { Model, Registry } from "../../src/registry/schema";
import { demoCopy } from "./validate-cases";

export const CARDS_DIR = fileURLToPath(new URL("../fixtures/model-cards", import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface MemoryIo extends CliIo {
  out: () => string;
  err: () => string;
}

export function memoryIo(env: Record<string, string | undefined> = {}): MemoryIo {
  let out = "";
  let err = "";
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s), isTTY: false },
    env,
    out: () => out,
    err: () => err,
  };
}

/** Public fixture repos that are also in the demo registry. */
export const PUBLIC_REPOS = ["bigcode/starcoder", "HuggingFaceH4/zephyr-7b-beta", "Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.1-8B-Instruct", "Phind/Phind-CodeLlama-34B-v2"];

/**
 * The demo registry cut down to the public fixture repos, plus one bare model (no benchmarks, no
 * context length, no license) per extra repo, e.g. "fixtures/no-front-matter".
 */
export function fixtureRegistry(extra: string[]): Registry {
  const r = demoCopy();
  const models = r.models.filter((m) => PUBLIC_REPOS.includes(m.hf_repo));
  const template = models[0]!;
  for (const repo of extra) {
    const name = repo.split("/")[1]!;
    const bare: Model = { ...structuredClone(template), id: name, name, hf_repo: repo, context_length: null, benchmarks: [], categories: { code: { base_score: 10, confidence: 0.5 } } };
    delete bare.license;
    models.push(bare);
  }
  return { ...r, models };
}

/** How the fake Hub misbehaves for one repo's card, before (or instead of) serving it. */
export interface Script {
  /** Statuses answered first, in order, each with `retryAfter` when set. */
  before?: number[];
  retryAfter?: string;
  /** Serve the card as text/html. */
  html?: boolean;
  /** Never answer the card request. */
  hang?: boolean;
}

export interface FakeHub {
  url: string;
  /** Every request: path and the Authorization header it carried. */
  requests: { path: string; authorization: string | undefined }[];
  /** Most requests in flight at once. */
  maxInFlight: () => number;
  close: () => Promise<void>;
}

/** Starts the fake Hub on a free port of 127.0.0.1. */
export async function startFakeHub(scripts: Record<string, Script> = {}, delayMs = 20): Promise<FakeHub> {
  const requests: FakeHub["requests"] = [];
  const served = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const hanging: ServerResponse[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requests.push({ path, authorization: req.headers.authorization });
    const card = /^\/([^/]+\/[^/]+)\/raw\/main\/README\.md$/.exec(path);
    const config = /^\/([^/]+\/[^/]+)\/raw\/main\/config\.json$/.exec(path);
    const api = /^\/api\/models\/([^/]+\/[^/]+)$/.exec(path);
    const repo = card?.[1] ?? config?.[1] ?? api?.[1];
    const file = card ? "README.md" : config ? "config.json" : "api.json";
    if (!repo) return void res.writeHead(404).end("not found");

    const script = card ? (scripts[repo] ?? {}) : {};
    if (script.hang) return void hanging.push(res);
    const count = served.get(path) ?? 0;
    served.set(path, count + 1);
    const early = script.before?.[count];
    if (early !== undefined) {
      return void res.writeHead(early, script.retryAfter ? { "retry-after": script.retryAfter } : {}).end(`status ${early}`);
    }
    const local = `${CARDS_DIR}/${repo}/${file}`;
    if (!existsSync(local)) return void res.writeHead(404, { "content-type": "text/plain" }).end("Entry not found");
    const type = script.html ? "text/html; charset=utf-8" : file === "README.md" ? "text/plain; charset=utf-8" : "application/json";
    res.writeHead(200, { "content-type": type }).end(readFileSync(local));
  };

  const server: Server = createServer((req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on("close", () => (inFlight -= 1));
    setTimeout(() => handle(req, res), delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    maxInFlight: () => maxInFlight,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
