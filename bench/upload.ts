/**
 * What `wrangler deploy` would upload, without deploying: `wrangler deploy --dry-run --outdir`
 * into a temporary directory, then every file's size raw and gzipped (zlib level 9). The upload
 * is the script plus its modules (the kernel's .wasm); the source map is uploaded beside it
 * (`upload_source_maps`) but is not part of the script size Cloudflare limits. wrangler's own
 * "Total Upload: … / gzip: …" line is kept as printed, as a cross-check.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";

const exec = promisify(execFile);

export interface UploadFile {
  file: string;
  kind: "script" | "module" | "source map";
  raw_bytes: number;
  gzip_bytes: number;
}

export interface UploadSize {
  files: UploadFile[];
  /** Script plus modules: what counts against the Worker size limit. */
  upload_raw_bytes: number;
  upload_gzip_bytes: number;
  /** wrangler's own summary line, e.g. "Total Upload: 584.78 KiB / gzip: 175.59 KiB". */
  wrangler_says: string | null;
  /** The source map's `sources`, relative to the repository (for checks on what was bundled). */
  map_sources: string[];
}

/** Bundles with wrangler.toml as `npm start` and deploy would, and measures the result. */
export async function measureUpload(config = "wrangler.toml"): Promise<UploadSize> {
  const outdir = mkdtempSync(join(tmpdir(), "worker-upload-"));
  try {
    const { stdout, stderr } = await exec("npx", ["wrangler", "deploy", "--dry-run", "-c", config, "--outdir", outdir], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
    const files: UploadFile[] = readdirSync(outdir)
      .filter((file) => /\.(js|mjs|wasm|map)$/.test(file))
      .map((file) => {
        const bytes = readFileSync(join(outdir, file));
        const kind = file.endsWith(".map") ? "source map" : /\.m?js$/.test(file) ? "script" : "module";
        return { file, kind, raw_bytes: bytes.length, gzip_bytes: gzipSync(bytes, { level: 9 }).length };
      });
    const uploaded = files.filter((f) => f.kind !== "source map");
    const map = files.find((f) => f.kind === "source map");
    const sources = map ? (JSON.parse(readFileSync(join(outdir, map.file), "utf8")) as { sources: string[] }).sources : [];
    return {
      files,
      upload_raw_bytes: uploaded.reduce((sum, f) => sum + f.raw_bytes, 0),
      upload_gzip_bytes: uploaded.reduce((sum, f) => sum + f.gzip_bytes, 0),
      wrangler_says: /Total Upload: [^\n]*/.exec(`${stdout}\n${stderr}`)?.[0] ?? null,
      map_sources: sources.map((s) => relative(process.cwd(), resolve(outdir, s))),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
