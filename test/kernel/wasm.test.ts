import { expect, it } from "vitest";
import kernelModule from "../../build/kernel.wasm";
import * as L from "../../assembly/layout";
import { WasmKernel } from "../../src/kernel/wasm";
import { kernelContract } from "./contract";
import { engineContract } from "./contract-engines";

kernelContract("wasm", () => new WasmKernel(kernelModule));
engineContract("wasm", () => new WasmKernel(kernelModule));

it("the compiled kernel reports the ABI version the host was built against", () => {
  const instance = new WebAssembly.Instance(kernelModule, {});
  const abi = (instance.exports as Record<string, unknown>)["abi_version"];
  expect(typeof abi).toBe("function");
  expect((abi as () => number)()).toBe(L.ABI_VERSION);
});

it("the kernel imports nothing and exports only numbers-in/numbers-out functions and its memory", () => {
  expect(WebAssembly.Module.imports(kernelModule)).toEqual([]);
  expect(WebAssembly.Module.exports(kernelModule).map((e) => `${e.name}:${e.kind}`).sort()).toEqual(
    ["abi_version:function", "init_fleet:function", "init_registry:function", "memory:memory", "route:function"],
  );
});
