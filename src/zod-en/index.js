// zod for the worker bundle, with English as its only locale. wrangler.toml's [alias] maps "zod"
// here when bundling (wrangler dev and deploy); Node (CLIs, tests) uses zod itself.
//
// Why: @hono/zod-openapi calls extendZodWithOpenApi(z) with the whole `z` namespace, so esbuild
// must keep every export of zod's barrels, including both `locales` namespaces (z.locales and
// z.core.locales): 47 translations of every message, about 360 KiB of a 1.49 MB bundle, none of
// them used (zod registers English by default and nothing here calls z.config with a locale).
// Zod's own fix for bundlers (colinhacks/zod#6384) only helps when `z` is not used as a value;
// wrangler has no esbuild plugins, so this mirror of zod 4.6.7's entry points is the way to
// leave them out. These files re-export the very same module files as zod's barrels (one module
// instance, same classes), with `locales` holding `en` only.
// test/node/zod-en.test.ts checks that every export matches zod's own except the locales, so a
// zod upgrade that adds or moves an export fails there, not in production.
import * as z from "./external.js";
export * from "./external.js";
export { z, z as default };
