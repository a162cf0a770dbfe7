/**
 * The worker as `wrangler deploy` would upload it (a dry run into a temporary directory): minified,
 * with a source map that leads back to src/, and with zod's English locale only. Sizes are
 * reported by `npm run bench -- --size`, not asserted: they grow with the code.
 */
import { describe, expect, it } from "vitest";
import { measureUpload, type UploadSize } from "../../bench/upload";

let measured: Promise<UploadSize> | null = null;
const upload = () => (measured ??= measureUpload());

describe("the uploaded worker", () => {
  it("is minified", async () => {
    const size = await upload();
    const script = size.files.find((f) => f.kind === "script")!;
    expect(size.wrangler_says).toMatch(/^Total Upload: [\d.]+ KiB \/ gzip: [\d.]+ KiB$/);
    // Unminified, the bundle was 1,489 KiB in about 40,000 lines; minified it is a few hundred long lines.
    expect(script.raw_bytes).toBeLessThan(0.6 * 1_524_430);
    expect(size.files.map((f) => f.kind).sort()).toEqual(["module", "script", "source map"]);
  });

  it("keeps a source map that leads back to the TypeScript sources", async () => {
    const { map_sources } = await upload();
    expect(map_sources).toContain("src/index.ts");
    expect(map_sources).toContain("src/routing/routes.ts");
  });

  it("leaves out zod's locales except English", async () => {
    const { map_sources } = await upload();
    const locales = map_sources.filter((s) => s.includes("node_modules/zod/v4/locales/"));
    expect(locales).toEqual(["node_modules/zod/v4/locales/en.js"]);
    expect(map_sources).toContain("src/zod-en/locales.js");
  });
});
