/**
 * Loads the routing kernel for the simulator from build/kernel.wasm, the file the worker bundles,
 * rebuilding it first when assembly/ has changed since.
 * Node has WebAssembly.compile, but the project compiles against the Workers types, which omit it
 * (and declare Module abstract), so the one function used is declared here, typed.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

declare global {
  namespace WebAssembly {
    function compile(bytes: BufferSource): Promise<Module>;
  }
}

/** build/kernel.wasm, found from this file so the CLI works from any directory. */
export const KERNEL_PATH = fileURLToPath(new URL("../../build/kernel.wasm", import.meta.url));

export async function loadKernelModule(path = KERNEL_PATH): Promise<WebAssembly.Module> {
  return WebAssembly.compile(await readFile(path));
}

/** The kernel's sources (AssemblyScript and its asconfig.json). */
export const ASSEMBLY_DIR = fileURLToPath(new URL("../../assembly/", import.meta.url));

function newestChange(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestChange(path) : statSync(path).mtimeMs);
  }, 0);
}

/** True when `wasm` is missing or older than any file under `sources` (make's rule). */
export function kernelIsStale(wasm = KERNEL_PATH, sources = ASSEMBLY_DIR): boolean {
  if (!existsSync(wasm)) return true;
  return newestChange(sources) > statSync(wasm).mtimeMs;
}

/**
 * Rebuilds build/kernel.wasm (`npm run build:kernel`, about 20 s) only when it is stale, so
 * `--help` and runs on an unchanged kernel start at once. Throws with the compiler's output when
 * the build fails.
 */
export function ensureKernel(progress: (line: string) => void): void {
  if (!kernelIsStale()) return;
  progress("sim: building the kernel (assembly/ is newer than build/kernel.wasm)…\n");
  const build = spawnSync("npm", ["run", "--silent", "build:kernel"], { cwd: fileURLToPath(new URL("../..", import.meta.url)), encoding: "utf8" });
  if (build.status !== 0) throw new Error(`npm run build:kernel failed (exit ${build.status}):\n${build.stdout}${build.stderr}`);
}
