/** A JSON Schema as the editor reads it: only the keywords that help a person type a config. */
export type JsonSchema = Record<string, unknown>;

const isSchema = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The RFC 6901 segments of a pointer (`/mqtt/port` → ['mqtt', 'port']). */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** A local `$ref` (`#/$defs/mqtt`, `#`) resolved in `root`; other references are not followed. */
function resolveRef(root: JsonSchema, ref: string): JsonSchema | undefined {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const segment of pointerSegments(ref.slice(1))) {
    if (!isSchema(node)) return undefined;
    node = node[segment];
  }
  return isSchema(node) ? node : undefined;
}

/** `schema` with its `$ref` followed (a few times at most, so a cycle ends). */
function dereferenced(root: JsonSchema, schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let i = 0; i < 8 && typeof current.$ref === 'string'; i++) {
    const target = resolveRef(root, current.$ref);
    if (target === undefined) break;
    const { $ref: _ref, ...rest } = current;
    current = { ...target, ...rest };
  }
  return current;
}

/** The schema and the alternatives it combines (allOf, anyOf, oneOf), each dereferenced. */
function variants(root: JsonSchema, schema: JsonSchema): JsonSchema[] {
  const own = dereferenced(root, schema);
  const combined = ['allOf', 'anyOf', 'oneOf'].flatMap((keyword) => (Array.isArray(own[keyword]) ? (own[keyword] as unknown[]).filter(isSchema) : []));
  return [own, ...combined.flatMap((each) => variants(root, each))];
}

/** The schemas that describe the value at `segments` in a document valid against `root`. */
export function schemasAt(root: JsonSchema, segments: readonly string[]): JsonSchema[] {
  let current = variants(root, root);
  for (const segment of segments) {
    const next: JsonSchema[] = [];
    for (const schema of current) {
      const properties = schema.properties;
      if (isSchema(properties) && isSchema(properties[segment])) next.push(properties[segment]);
      else if (/^\d+$/.test(segment) && Array.isArray(schema.prefixItems) && isSchema(schema.prefixItems[Number(segment)])) next.push(schema.prefixItems[Number(segment)] as JsonSchema);
      else if (/^\d+$/.test(segment) && isSchema(schema.items)) next.push(schema.items);
      else if (isSchema(schema.additionalProperties)) next.push(schema.additionalProperties);
    }
    current = next.flatMap((each) => variants(root, each));
    if (current.length === 0) return [];
  }
  return current;
}

export interface KeyHint {
  key: string;
  description: string | null;
  required: boolean;
}

/** The keys the schemas at a place name, with their descriptions. */
export function keyHints(root: JsonSchema, segments: readonly string[]): KeyHint[] {
  const hints = new Map<string, KeyHint>();
  for (const schema of schemasAt(root, segments)) {
    const required = Array.isArray(schema.required) ? (schema.required as unknown[]) : [];
    if (!isSchema(schema.properties)) continue;
    for (const [key, value] of Object.entries(schema.properties)) {
      const described = isSchema(value) ? describe(dereferenced(root, value)) : null;
      const known = hints.get(key);
      hints.set(key, { key, description: known?.description ?? described, required: (known?.required ?? false) || required.includes(key) });
    }
  }
  return [...hints.values()];
}

/** The values a place may take that can be listed: enum members, a const, booleans. */
export function valueHints(root: JsonSchema, segments: readonly string[]): unknown[] {
  const values: unknown[] = [];
  for (const schema of schemasAt(root, segments)) {
    if (Array.isArray(schema.enum)) values.push(...(schema.enum as unknown[]));
    if ('const' in schema) values.push(schema.const);
    if (schema.type === 'boolean') values.push(true, false);
  }
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = JSON.stringify(value);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A line or two about a schema: its title, description, type, allowed values and default. */
export function describe(schema: JsonSchema): string | null {
  const parts: string[] = [];
  if (typeof schema.title === 'string') parts.push(schema.title);
  if (typeof schema.description === 'string') parts.push(schema.description);
  if (typeof schema.type === 'string' || Array.isArray(schema.type)) parts.push(`Type: ${([] as unknown[]).concat(schema.type).join(' or ')}`);
  if (Array.isArray(schema.enum)) parts.push(`One of: ${(schema.enum as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`);
  if ('default' in schema) parts.push(`Default: ${JSON.stringify(schema.default)}`);
  return parts.length > 0 ? parts.join('\n') : null;
}

/** The description of the value at `segments`, from the first schema there that has one. */
export function describeAt(root: JsonSchema, segments: readonly string[]): string | null {
  for (const schema of schemasAt(root, segments)) {
    const text = describe(schema);
    if (text !== null) return text;
  }
  return null;
}
