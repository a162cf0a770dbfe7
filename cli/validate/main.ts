/**
 * `validate`: checks a registry file or a running router's registry with the worker's own
 * validateRegistry (errors = what PUT /v1/registry rejects), adds lint warnings and the plan's
 * success metrics, and prints text or --json. index.ts runs it; tests import it.
 */
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { validateRegistry } from "../../src/registry/validation";
import { successMetrics } from "../../src/registry/lint";
import { RegistrySchema, type Registry } from "../../src/registry/schema";
import { UsageError, httpUrl, parseCommandLine, positiveInt } from "../shared/args";
import type { CliIo } from "../shared/io";
import { exitCodeFor, metricWarnings, renderText, type ValidateReport } from "./report";
import { loadFile, loadUrl, type Loaded } from "./source";

export const HELP = `Usage: npm run validate -- [FILE | --url URL] [--json] [--strict]

Checks a registry document with the same code PUT /v1/registry runs, then lints it and reports
the plan's success metrics.

  FILE                 a registry JSON file (default: src/registry/demo-registry.json)
  --url URL            validate GET URL/v1/registry of a running router instead;
                       ROUTER_TOKEN (env) is sent as a bearer token when set
  --json               print one JSON report instead of text
  --strict             warnings (and success metrics below goal) fail the run
  --timeout-ms N       timeout for --url (default 30000)
  -h, --help           this text

Exit codes: 0 valid, 1 errors (or warnings with --strict), 2 usage error or input unreadable.
`;

/** The bundled demo registry, found from this file so the default works from any directory. */
const DEFAULT_FILE = relative(process.cwd(), fileURLToPath(new URL("../../src/registry/demo-registry.json", import.meta.url)));

export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`validate: ${error.message}\n(see --help)\n`);
    return 2;
  }
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    url: { type: "string" },
    json: { type: "boolean", default: false },
    strict: { type: "boolean", default: false },
    "timeout-ms": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`one registry at a time, got ${positionals.length} files`);
  if (values.url !== undefined && positionals.length > 0) throw new UsageError("give a FILE or --url, not both");
  const timeoutMs = positiveInt(values["timeout-ms"], "--timeout-ms", 30_000);

  let source: string;
  let loaded: Loaded;
  if (values.url !== undefined) {
    const base = httpUrl(values.url, "--url");
    source = base;
    loaded = await loadUrl(base, io.env.ROUTER_TOKEN, timeoutMs);
  } else {
    source = positionals[0] ?? DEFAULT_FILE;
    loaded = await loadFile(source);
  }

  const report = buildReport(source, loaded, values.strict);
  io.stdout.write(values.json ? JSON.stringify(report, null, 2) + "\n" : renderText(report));
  return report.exit_code;
}

/** The whole report for one loaded document; exported for tests that check a document without the file system. */
export function buildReport(source: string, loaded: Loaded, strict: boolean): ValidateReport {
  if (!loaded.ok) {
    const errors = [{ path: "(root)", message: loaded.error }];
    return { source, strict, summary: null, errors, warnings: [], metrics: [], categories_without_models: [], exit_code: 1 };
  }
  const result = validateRegistry(loaded.doc);
  // Metrics need a document that parsed; cross-reference errors do not stop them (they are counts).
  const parsed = result.registry ?? parsedOrNull(loaded.doc);
  const metrics = parsed ? successMetrics(parsed) : null;
  const warnings = result.errors.length > 0 ? [] : [...result.warnings, ...metricWarnings(metrics?.metrics ?? [])];
  return {
    source,
    strict,
    summary: parsed
      ? { version: parsed.version, models: parsed.models.length, categories: parsed.categories.length, benchmarks: parsed.benchmarks.length }
      : null,
    errors: result.errors,
    warnings,
    metrics: metrics?.metrics ?? [],
    categories_without_models: metrics?.categories_without_models ?? [],
    exit_code: exitCodeFor(result.errors.length, warnings.length, strict),
  };
}

function parsedOrNull(doc: unknown): Registry | null {
  const parsed = RegistrySchema.safeParse(doc);
  return parsed.success ? parsed.data : null;
}
