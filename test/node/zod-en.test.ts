/**
 * src/zod-en (the zod the worker bundle gets, through wrangler.toml's [alias]) against zod
 * itself: the same exports, bound to the very same values, except that both `locales` hold
 * English only. A zod upgrade that adds, drops or moves an export fails here.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import * as zod from "zod";

type Namespace = Record<string, unknown>;

async function mirror(): Promise<Namespace> {
  // A runtime path, so the type checker does not try to type the plain JS files.
  const path = fileURLToPath(new URL("../../src/zod-en/index.js", import.meta.url));
  return (await import(pathToFileURL(path).href)) as Namespace;
}

function sameExceptLocales(mirrored: Namespace, original: Namespace, where: string): void {
  expect(Object.keys(mirrored).sort(), where).toEqual(Object.keys(original).sort());
  for (const key of Object.keys(original)) {
    if (["locales", "core", "z", "default"].includes(key)) continue;
    expect(mirrored[key], `${where}.${key}`).toBe(original[key]);
  }
  const locales = mirrored["locales"] as Namespace;
  expect(Object.keys(locales)).toEqual(["en"]);
  expect(locales["en"]).toBe((original["locales"] as Namespace)["en"]);
}

describe("zod with English only (src/zod-en)", () => {
  it("exports what zod exports, the same values, with locales narrowed to en", async () => {
    const z = await mirror();
    sameExceptLocales(z, zod as unknown as Namespace, "zod");
    sameExceptLocales(z["core"] as Namespace, zod.core as unknown as Namespace, "zod.core");
    expect(z["z"]).toBe(z["default"]);
    expect((z["z"] as Namespace)["object"]).toBe(zod.z.object);
  });

  it("validates and reports in English, like zod", async () => {
    const z = (await mirror())["z"] as typeof zod.z;
    const result = z.object({ top_k: z.number() }).safeParse({ top_k: "3" });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toBe("Invalid input: expected number, received string");
  });
});
