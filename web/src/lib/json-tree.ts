import { jsonLanguage } from '@codemirror/lang-json';
import type { SyntaxNode } from '@lezer/common';

/** Reads the text between two offsets of the document a tree was parsed from. */
export type Slice = (from: number, to: number) => string;

export const VALUE_NODES = new Set(['Object', 'Array', 'String', 'Number', 'True', 'False', 'Null']);

export const valuesOf = (container: SyntaxNode): SyntaxNode[] => {
  const values: SyntaxNode[] = [];
  for (let child = container.firstChild; child !== null; child = child.nextSibling) if (VALUE_NODES.has(child.name)) values.push(child);
  return values;
};

/** A property's key, unescaped; null while it is not a complete string. */
export function keyOf(slice: Slice, property: SyntaxNode): string | null {
  const name = property.getChild('PropertyName');
  if (name === null) return null;
  try {
    return JSON.parse(slice(name.from, name.to)) as string;
  } catch {
    return null;
  }
}

export function propertyNamed(slice: Slice, object: SyntaxNode, key: string): SyntaxNode | null {
  return object.getChildren('Property').find((each) => keyOf(slice, each) === key) ?? null;
}

/** The object's indentation for a new member: the last member's, else its own plus two spaces. */
function memberIndent(text: string, object: SyntaxNode): string {
  const last = object.getChildren('Property').at(-1);
  const lineStart = (at: number) => text.lastIndexOf('\n', at - 1) + 1;
  const at = last?.from ?? object.from;
  const indent = /^[ \t]*/.exec(text.slice(lineStart(at)))![0];
  return last === undefined ? `${indent}  ` : indent;
}

/**
 * The JSON text with the value at `segments` replaced by `valueText`, every other byte as it was, so that keys
 * the form does not know and values it did not touch keep their exact text. A missing key is added at the end of
 * its object (with the objects on its way); null when the place is not in an object or array of the text.
 */
export function setValueAt(text: string, segments: readonly string[], valueText: string): string | null {
  const slice: Slice = (from, to) => text.slice(from, to);
  let node: SyntaxNode | null = valuesOf(jsonLanguage.parser.parse(text).topNode)[0] ?? null;
  for (let i = 0; i < segments.length; i++) {
    if (node === null) return null;
    const segment = segments[i]!;
    if (node.name === 'Array') {
      node = valuesOf(node)[Number(segment)] ?? null;
      continue;
    }
    if (node.name !== 'Object') return null;
    const property = propertyNamed(slice, node, segment);
    const value = property === null ? null : (valuesOf(property)[0] ?? null);
    if (value !== null) {
      node = value;
      continue;
    }
    // Missing from here on: the rest of the path is built as nested objects around the value.
    let built = valueText;
    for (let j = segments.length - 1; j > i; j--) built = `{ ${JSON.stringify(segments[j])}: ${built} }`;
    const member = `${JSON.stringify(segment)}: ${built}`;
    const last = node.getChildren('Property').at(-1);
    if (last === undefined) {
      const close = node.lastChild!;
      return `${text.slice(0, node.from + 1)}${member}${text.slice(close.from)}`;
    }
    return `${text.slice(0, last.to)},\n${memberIndent(text, node)}${member}${text.slice(last.to)}`;
  }
  if (node === null) return null;
  return `${text.slice(0, node.from)}${valueText}${text.slice(node.to)}`;
}
