/**
 * Writing a file without ever leaving half of it behind: the previous content is kept as
 * `<file>.bak`, the new content goes to a temporary file in the same directory, and a rename
 * (atomic on one file system) replaces the original. Used by `enrich` to rewrite a registry.
 */
import { copyFile, rename, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export async function writeFileAtomic(path: string, content: string, options: { backup: boolean }): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(temp, content, { flag: "w" });
    if (options.backup) await copyFile(path, `${path}.bak`);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** The indentation a JSON file uses (so a rewrite keeps its style); 2 when it cannot tell. */
export function jsonIndent(text: string): number {
  const match = /^\{\s*\n( +)"/.exec(text);
  return match ? match[1]!.length : 2;
}
