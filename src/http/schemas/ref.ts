import { Type, type Static, type TSchema, type TUnsafe } from 'typebox';

/**
 * A `$ref` to a shared schema (one added with `addSchema`), typed as that schema. A route's `body` given this way
 * appears in the OpenAPI document as a named component, which client generators turn into a named type; the schema
 * itself would be inlined.
 */
export function refTo<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new Error('refTo needs a schema with an $id');
  return Type.Unsafe<Static<T>>({ $ref: id });
}
