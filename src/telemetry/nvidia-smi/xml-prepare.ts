/**
 * What `nvidia-smi -q -x` text goes through before the XML library sees it (xml.ts calls it). The
 * input is hostile until proven otherwise: a raw upload comes from whoever holds an agent key.
 *
 *   - nvidia-smi's own DOCTYPE line, `<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_vNN.dtd">`,
 *     is dropped (the DTD is never fetched or read); any other DOCTYPE, and any ENTITY, ELEMENT,
 *     ATTLIST or NOTATION declaration, is refused: no entity is ever expanded.
 *   - `<supported_clocks>` blocks are dropped: ~200 elements per GPU, over half of an H200 log,
 *     never read. Found by indexOf, not a regular expression, so many unclosed openings cost one
 *     pass, not one pass each.
 * Newlines are kept wherever text is dropped, so the parser's line numbers still match the upload.
 */
import { ParseError } from "./values";

const NVIDIA_DOCTYPE = /^<!DOCTYPE\s+nvidia_smi_log\s+SYSTEM\s+"nvsmi_device_v\d{1,4}\.dtd"\s*>/;
const DECLARATION = /<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)\b/i;
const OPEN = "<supported_clocks>";
const CLOSE = "</supported_clocks>";

const lineAt = (text: string, index: number): number => text.slice(0, index).split("\n").length;
const blank = (text: string): string => "\n".repeat(text.split("\n").length - 1);

function dropSupportedClocks(text: string): string {
  const parts: string[] = [];
  let from = 0;
  for (;;) {
    const open = text.indexOf(OPEN, from);
    if (open < 0) break;
    const close = text.indexOf(CLOSE, open + OPEN.length);
    // An unclosed block stays: the validator then reports the log as cut short.
    if (close < 0) break;
    parts.push(text.slice(from, open), blank(text.slice(open, close + CLOSE.length)));
    from = close + CLOSE.length;
  }
  parts.push(text.slice(from));
  return parts.join("");
}

/** The text the XML parser may see; throws ParseError naming the line of a refused declaration. */
export function prepareXml(raw: string): string {
  let text = raw;
  const doctype = text.indexOf("<!DOCTYPE");
  if (doctype >= 0) {
    const own = NVIDIA_DOCTYPE.exec(text.slice(doctype));
    if (own) text = text.slice(0, doctype) + blank(own[0]) + text.slice(doctype + own[0].length);
  }
  const declaration = DECLARATION.exec(text);
  if (declaration) {
    throw new ParseError({
      line: lineAt(text, declaration.index),
      message: `<!${declaration[1]}> is refused: nvidia-smi's only declaration is <!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_vNN.dtd">, and entities are never expanded`,
    });
  }
  return dropSupportedClocks(text);
}
