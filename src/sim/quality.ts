/**
 * The quality of a served request, the same yardstick for every policy: the chosen model's
 * benchmark-informed total (base + benchmark × confidence, from the unedited registry) at the most
 * specific category on the request's fallback walk that the model serves. It is read from the
 * kernel itself (model-only mode, allow-list of one model), so the scoring is the router's own.
 */
import { WasmKernel } from "../kernel/wasm";
import type { Registry } from "../registry/schema";

export class QualityTable {
  private readonly kernel: WasmKernel;
  private readonly cache = new Map<string, number>();

  constructor(registry: Registry, kernelModule: WebAssembly.Module) {
    this.kernel = new WasmKernel(kernelModule);
    this.kernel.loadRegistry(registry);
  }

  /** Total score of `model` for `category`; 0 when the model serves nothing on the walk. */
  score(category: string, model: string): number {
    const key = `${category}\u0000${model}`;
    let total = this.cache.get(key);
    if (total === undefined) {
      const result = this.kernel.route({ category, constraints: { allow_models: [model] }, top_k: 1, now_ms: 0 });
      total = result.status === "ok" ? result.results[0]!.score.total : 0;
      this.cache.set(key, total);
    }
    return total;
  }
}
