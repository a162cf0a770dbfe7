/**
 * Loads the routing kernel for the simulator from build/kernel.wasm, the file the worker bundles.
 * Node has WebAssembly.compile, but the project compiles against the Workers types, which omit it
 * (and declare Module abstract), so the one function used is declared here, typed.
 */
import { readFile } from "node:fs/promises";
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
