// Types `env` from "cloudflare:test" as the worker's own bindings.
import type { Env as RouterEnv } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends RouterEnv {}
  }
}

export {};
