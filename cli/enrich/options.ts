/** Command line of `enrich` → options; the help text and exit codes live here too. */
import { UsageError, httpUrl, nonNegative, parseCommandLine, positiveInt } from "../shared/args";
import { PUBLIC_HUB } from "./hub";

export const HELP = `Usage: npm run enrich -- [REGISTRY] [--model REPO]... [options]

Reads benchmark scores from Hugging Face model cards (model-index, else evaluation tables) and
the Hub's API record (parameters, context length, license), and merges them into a registry
without overwriting hand-entered values.

  REGISTRY               registry JSON file, rewritten in place (previous content kept as .bak)
  --model REPO           only this model (repeatable); without REGISTRY, print what its card says
  --from-dir DIR         read DIR/<owner>/<name>/README.md (+ api.json, config.json) instead of the Hub
  --hf-endpoint URL      Hub base URL (default ${PUBLIC_HUB}); HF_TOKEN is sent as a bearer token
  --dry-run              print the changes, write nothing
  --json                 print the report as JSON
  --concurrency N        models fetched in parallel (default 4)
  --timeout-ms N         per request (default 20000)
  --retries N            per request, on 429, 5xx and network errors (default 3)
  --max-retry-after S    longest wait a Retry-After header can impose (default 60)
  -h, --help             this text

Exit codes: 0 done; 1 done, but at least one model failed (the others were merged);
2 usage error or unreadable/invalid input registry; 3 the merged registry would be invalid
(nothing written).
`;

export interface EnrichOptions {
  registryPath: string | null;
  models: string[];
  fromDir: string | null;
  endpoint: string;
  dryRun: boolean;
  json: boolean;
  concurrency: number;
  timeoutMs: number;
  retries: number;
  maxRetryAfterS: number;
  help: boolean;
}

const REPO = /^[\w-][\w.-]*\/[\w-][\w.-]*$/;

/** True for owner/name ids that are safe in a URL path and a file path (no '.' or '..' segments). */
export function isRepoId(repo: string): boolean {
  return REPO.test(repo) && !repo.split("/").some((part) => part === "." || part === "..");
}

export function parseOptions(argv: string[]): EnrichOptions {
  const { values, positionals } = parseCommandLine(argv, {
    model: { type: "string", multiple: true },
    "from-dir": { type: "string" },
    "hf-endpoint": { type: "string" },
    "dry-run": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    concurrency: { type: "string" },
    "timeout-ms": { type: "string" },
    retries: { type: "string" },
    "max-retry-after": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  const options: EnrichOptions = {
    registryPath: positionals[0] ?? null,
    models: values.model ?? [],
    fromDir: values["from-dir"] ?? null,
    endpoint: values["hf-endpoint"] === undefined ? PUBLIC_HUB : httpUrl(values["hf-endpoint"], "--hf-endpoint"),
    dryRun: values["dry-run"],
    json: values.json,
    concurrency: positiveInt(values.concurrency, "--concurrency", 4),
    timeoutMs: positiveInt(values["timeout-ms"], "--timeout-ms", 20_000),
    retries: nonNegative(values.retries, "--retries", 3),
    maxRetryAfterS: nonNegative(values["max-retry-after"], "--max-retry-after", 60),
    help: values.help,
  };
  if (options.help) return options;
  if (positionals.length > 1) throw new UsageError(`one registry file at a time, got ${positionals.length}`);
  if (!Number.isInteger(options.retries)) throw new UsageError("--retries must be a whole number");
  if (options.registryPath === null && options.models.length === 0) throw new UsageError("give a REGISTRY file, or --model REPO to print what a card says");
  if (options.fromDir !== null && values["hf-endpoint"] !== undefined) throw new UsageError("--from-dir and --hf-endpoint exclude each other");
  const bad = options.models.find((m) => !isRepoId(m));
  if (bad !== undefined) throw new UsageError(`--model wants an owner/name repo id, got '${bad}'`);
  return options;
}
