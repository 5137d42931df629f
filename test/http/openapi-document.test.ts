import { validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.js';

type Operation = {
  operationId?: string;
  summary?: string;
  tags?: string[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema?: { $ref?: string } }> };
};
type Document = {
  openapi: string;
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { title?: string }> };
};

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

async function openapiDocument(): Promise<Document> {
  const { app } = await buildTestApp();
  const res = await app.inject('/api/docs/openapi.json');
  expect(res.statusCode).toBe(200);
  return res.json<Document>();
}

function operationsOf(doc: Document): { method: string; path: string; operation: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).filter(([method]) => METHODS.has(method)).map(([method, operation]) => ({ method, path, operation })),
  );
}

/** What a maintained validator says of the document (it takes a copy: it resolves references in place). */
async function validation(doc: Document): Promise<{ valid: boolean }> {
  return validate(structuredClone(doc) as unknown as Parameters<typeof validate>[0]);
}

/** Every object in the document, for keywords that must appear nowhere. */
function* objectsIn(value: unknown): Generator<Record<string, unknown>> {
  if (value === null || typeof value !== 'object') return;
  if (!Array.isArray(value)) yield value as Record<string, unknown>;
  for (const each of Object.values(value)) yield* objectsIn(each);
}

// These rules hold for every route, present and future: a route added without them fails here.
describe('the OpenAPI document, for client generators', () => {
  it('is valid OpenAPI 3.1', async () => {
    const doc = await openapiDocument();
    expect(doc.openapi).toBe('3.1.0');
    expect(await validation(doc)).toMatchObject({ valid: true });
    // 3.0's `nullable` means nothing in 3.1, where null is a type: a generator would drop it.
    expect([...objectsIn(doc.components)].filter((each) => 'nullable' in each)).toEqual([]);
    expect([...objectsIn(doc.paths)].filter((each) => 'nullable' in each)).toEqual([]);
  });

  it('is refused by the validator when a path parameter does not match its path', async () => {
    const doc = structuredClone(await openapiDocument());
    const get = doc.paths['/api/configs/{mac_address}']!.get!;
    get.parameters = get.parameters!.map((each) => (each.name === 'mac_address' ? { ...each, name: 'mac' } : each));
    expect(await validation(doc)).toMatchObject({ valid: false });
  });

  it('gives every operation a unique camelCase operationId, a summary and declared tags', async () => {
    const doc = await openapiDocument();
    const operations = operationsOf(doc);
    const declaredTags = new Set(doc.tags.map((tag) => tag.name));
    for (const { method, path, operation } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(operation.operationId, where).toMatch(/^[a-z][a-zA-Z0-9]*$/);
      expect(operation.summary, where).toMatch(/\S/);
      expect(operation.tags?.length, where).toBeGreaterThan(0);
      for (const tag of operation.tags ?? []) expect(declaredTags, `${where} tag ${tag}`).toContain(tag);
    }
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps the operationIds that clients generated from the old backend derive their method names from', async () => {
    const doc = await openapiDocument();
    // The old document's `get__api_configs_{mac_address}` became `getConfigsByMacAddress` (hook `useGetConfigsByMacAddress`).
    const idOf = (path: string, method: string) => doc.paths[path]?.[method]?.operationId;
    expect(idOf('/api/configs', 'get')).toBe('getConfigs');
    expect(idOf('/api/configs/{mac_address}', 'get')).toBe('getConfigsByMacAddress');
    expect(idOf('/api/configs/{mac_address}', 'put')).toBe('putConfigsByMacAddress');
    expect(idOf('/api/configs/{mac_address}', 'delete')).toBe('deleteConfigsByMacAddress');
    expect(idOf('/api/health', 'get')).toBe('getHealth');
    expect(idOf('/metrics', 'get')).toBe('getMetrics');
  });

  it('gives every component schema a title, and names no schema by a generated def-N', async () => {
    const doc = await openapiDocument();
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      expect(name).not.toMatch(/^def-\d+$/);
      expect(schema.title, name).toMatch(/\S/);
    }
  });

  it('names the MAC path parameter mac_address on every config route', async () => {
    const doc = await openapiDocument();
    const configPaths = Object.keys(doc.paths).filter((path) => /^\/(api\/configs|esp32\/config)\/\{/.test(path));
    expect(configPaths.length).toBeGreaterThanOrEqual(8);
    for (const path of configPaths) expect(path).toMatch(/^\/(api\/configs|esp32\/config)\/\{mac_address\}/);
    for (const { method, path, operation } of operationsOf(doc)) {
      const names = (operation.parameters ?? []).filter((each) => each.in === 'path').map((each) => each.name);
      expect(names, `${method} ${path}`).not.toContain('mac');
      if (configPaths.includes(path)) expect(names, `${method} ${path}`).toContain('mac_address');
    }
  });

  it('gives every JSON request body as a named component', async () => {
    const doc = await openapiDocument();
    const bodies = operationsOf(doc).flatMap(({ method, path, operation }) =>
      Object.entries(operation.requestBody?.content ?? {})
        .filter(([type]) => type.includes('json'))
        .map(([, media]) => ({ where: `${method} ${path}`, ref: media.schema?.$ref })),
    );
    expect(bodies.length).toBeGreaterThanOrEqual(4);
    for (const { where, ref } of bodies) {
      expect(ref, where).toMatch(/^#\/components\/schemas\/\w+$/);
      expect(doc.components.schemas[ref!.split('/').pop()!], where).toBeDefined();
    }
  });
});
