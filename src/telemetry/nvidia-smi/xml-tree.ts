/**
 * Typed access to the object tree fast-xml-parser returns (strings for leaves, objects for
 * elements, arrays where xml.ts asked for them), so the reader never needs `any`.
 */
export type XmlNode = string | XmlElement | XmlNode[];
export interface XmlElement {
  [name: string]: XmlNode;
}

function isElement(node: XmlNode | undefined): node is XmlElement {
  return typeof node === "object" && node !== null && !Array.isArray(node);
}

/** The child element `name` (the first one when repeated), or undefined. */
export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  if (!isElement(node)) return undefined;
  const value = node[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Every child element `name`; [] when there is none or the element holds only text ("None"). */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  if (!isElement(node)) return [];
  const value = node[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The text at a dotted path ("fb_memory_usage.free"); undefined when absent or not a leaf. */
export function text(node: XmlNode | undefined, path: string): string | undefined {
  let current: XmlNode | undefined = node;
  for (const part of path.split(".")) current = child(current, part);
  if (typeof current === "string") return current;
  if (typeof current === "number" || typeof current === "boolean") return String(current);
  return undefined;
}
