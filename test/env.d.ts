// Types `env` from "cloudflare:test" as the worker's own bindings.
import type { Env as RouterEnv } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends RouterEnv {
      /** Test-only: how many trials the race tests run (vitest.config.ts passes SECURITY_TRIALS through). */
      SECURITY_TRIALS?: string;
    }
  }
}

export {};
