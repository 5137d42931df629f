import type { Completion, CompletionContext, CompletionResult } from '@codemirror/autocomplete';
import { jsonLanguage } from '@codemirror/lang-json';
import { syntaxTree } from '@codemirror/language';
import { linter, type Diagnostic } from '@codemirror/lint';
import type { EditorState, Extension } from '@codemirror/state';
import { hoverTooltip } from '@codemirror/view';
import type { SyntaxNode } from '@lezer/common';
import { jsonSyntaxError } from '../../../src/domain/json-text.js';
import type { Validation } from '../api/client.js';
import { keyOf as keyIn, VALUE_NODES, valuesOf } from '../lib/json-tree.js';
import { describeAt, keyHints, pointerSegments, valueHints, type JsonSchema } from '../lib/schema-lookup.js';

const keyOf = (state: EditorState, property: SyntaxNode) => keyIn((from, to) => state.sliceDoc(from, to), property);

/** The JSON pointer segments of the value `node` is in (a property's key counts as its value's place). */
export function segmentsOf(state: EditorState, node: SyntaxNode): string[] {
  const segments: string[] = [];
  let previous: SyntaxNode | null = null;
  for (let current: SyntaxNode | null = node; current !== null; previous = current, current = current.parent) {
    if (current.name === 'Property') {
      const key = keyOf(state, current);
      if (key !== null) segments.unshift(key);
    } else if (current.name === 'Array' && previous !== null && VALUE_NODES.has(previous.name)) {
      const at = previous;
      const index = valuesOf(current).findIndex((value) => value.from === at.from && value.to === at.to);
      if (index >= 0) segments.unshift(String(index));
    }
  }
  return segments;
}

/** Where the value at `pointer` is in the text, as far as it exists: a missing key marks its object's key. */
export function rangeOf(state: EditorState, pointer: string): { from: number; to: number } {
  let node: SyntaxNode | null = valuesOf(syntaxTree(state).topNode)[0] ?? null;
  let mark = { from: 0, to: Math.min(1, state.doc.length) };
  if (node !== null) mark = { from: node.from, to: node.from + 1 };
  for (const segment of pointerSegments(pointer)) {
    if (node === null) break;
    let next: SyntaxNode | null = null;
    if (node.name === 'Object') {
      const property = node.getChildren('Property').find((each) => keyOf(state, each) === segment) ?? null;
      if (property !== null) {
        const name = property.getChild('PropertyName')!;
        const value = valuesOf(property)[0] ?? null;
        mark = value === null || value.name === 'Object' || value.name === 'Array' ? { from: name.from, to: name.to } : { from: name.from, to: value.to };
        next = value;
      }
    } else if (node.name === 'Array') {
      next = valuesOf(node)[Number(segment)] ?? null;
      if (next !== null) mark = next.name === 'Object' || next.name === 'Array' ? { from: next.from, to: next.from + 1 } : { from: next.from, to: next.to };
    }
    node = next;
  }
  return mark;
}

function enclosingContainer(node: SyntaxNode | null): SyntaxNode | null {
  for (let current = node; current !== null; current = current.parent) if (current.name === 'Object' || current.name === 'Array') return current;
  return null;
}

/** Completion of the keys the schema names and of the values it lists, at the place typed. */
function completeFromSchema(getSchema: () => JsonSchema | null) {
  return (context: CompletionContext): CompletionResult | null => {
    const schema = getSchema();
    if (schema === null) return null;
    const { state, pos } = context;
    const node = syntaxTree(state).resolveInner(pos, -1);
    const typed = context.matchBefore(/"(?:[^"\\]|\\.)*"?|[\w.-]+/);
    const from = typed?.from ?? pos;
    if (typed === null && !context.explicit && !/[{,:[\s]$/.test(state.sliceDoc(pos - 1, pos))) return null;
    const before = state.sliceDoc(Math.max(0, from - 300), from);
    const container = enclosingContainer(node.name === 'Object' || node.name === 'Array' ? node : node.parent);
    if (container === null) return null;
    const valueOf = /"((?:[^"\\]|\\.)*)"\s*:\s*$/.exec(before);
    if (valueOf !== null && container.name === 'Object') {
      const segments = [...segmentsOf(state, container), JSON.parse(`"${valueOf[1]}"`) as string];
      const options: Completion[] = valueHints(schema, segments).map((value) => ({ label: JSON.stringify(value), type: 'enum' }));
      return options.length > 0 ? { from, options, validFor: /^"?[^"]*"?$/ } : null;
    }
    if (container.name !== 'Object' || !/[{,]\s*$/.test(before)) return null;
    const present = new Set(container.getChildren('Property').map((property) => keyOf(state, property)));
    const options: Completion[] = keyHints(schema, segmentsOf(state, container))
      .filter((hint) => !present.has(hint.key) || (node.name === 'PropertyName' && keyOf(state, node.parent!) === hint.key))
      .map((hint) => ({
        label: JSON.stringify(hint.key),
        apply: `${JSON.stringify(hint.key)}: `,
        type: 'property',
        detail: hint.required ? 'required' : undefined,
        info: hint.description ?? undefined,
        boost: hint.required ? 1 : 0,
      }));
    return { from, options, validFor: /^"?[^"]*"?$/ };
  };
}

/** The schema's title and description of the key or value under the pointer. */
function schemaHover(getSchema: () => JsonSchema | null) {
  return hoverTooltip((view, pos, side) => {
    const schema = getSchema();
    if (schema === null) return null;
    const node = syntaxTree(view.state).resolveInner(pos, side);
    if (node.name !== 'PropertyName' && !(VALUE_NODES.has(node.name) && node.parent?.name === 'Property')) return null;
    const text = describeAt(schema, segmentsOf(view.state, node));
    if (text === null) return null;
    return {
      pos: node.from,
      end: node.to,
      above: true,
      create: () => {
        const dom = document.createElement('div');
        dom.className = 'schema-hover';
        dom.setAttribute('data-testid', 'schema-hover');
        dom.textContent = text;
        return { dom };
      },
    };
  });
}

export interface SchemaExtensionOptions {
  /** Asks the service how the text fares (POST …/validate): Ajv is not run in the browser (see docs/adr/0013-json-schemas.md). */
  validate: (text: string) => Promise<Validation>;
  /** Told of each result, and null while the text is not JSON. */
  onResult: (result: Validation | null) => void;
  /** The schema that applies now, for completion and hover; null when none does. */
  getSchema: () => JsonSchema | null;
}

/** Completion and hover from a schema alone, without validation (the Schemas page's editor, with the meta-schema). */
export function schemaHelpExtensions(getSchema: () => JsonSchema | null): Extension[] {
  return [jsonLanguage.data.of({ autocomplete: completeFromSchema(getSchema) }), schemaHover(getSchema)];
}

/** The editor's schema awareness: errors underlined where they are, completion of keys and values, descriptions on hover. */
export function schemaExtensions(options: SchemaExtensionOptions): Extension[] {
  const lint = linter(
    async (view): Promise<Diagnostic[]> => {
      const text = view.state.doc.toString();
      if (jsonSyntaxError(text) !== null) {
        options.onResult(null);
        return [];
      }
      let result: Validation;
      try {
        result = await options.validate(text);
      } catch {
        return [];
      }
      if (view.state.doc.toString() !== text) return [];
      options.onResult(result);
      return result.errors.map((error) => ({
        ...rangeOf(view.state, error.pointer),
        severity: 'error',
        source: `schema ${result.schema}`,
        message: `${error.pointer || '/'} ${error.message}`,
      }));
    },
    { delay: 300 },
  );
  return [lint, ...schemaHelpExtensions(options.getSchema)];
}
