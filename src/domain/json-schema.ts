import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { InvalidSchema, type SchemaError } from './errors.js';

/** Names a schema may have: it is also a file name, and the value of a config's selector key. */
export const SCHEMA_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The schema that applies to a config whose selector key names no schema. */
export const DEFAULT_SCHEMA_NAME = 'default';

const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-0[67]\/schema#?$/;

/** A schema compiled once per version of its file. */
export interface CompiledSchema {
  name: string;
  validate: (content: unknown) => SchemaError[];
}

export function assertSchemaName(name: string): void {
  if (!SCHEMA_NAME.test(name)) throw new InvalidSchema(name.slice(0, 80), 'a name is 1 to 64 letters, digits, `_`, `.` or `-`, starting with a letter or digit');
}

/**
 * Compiles `schema` with Ajv, as draft-07 when its `$schema` says so and as 2020-12 otherwise. Each schema
 * gets an Ajv instance of its own, so that two schemas with the same `$id`, or two versions of one, never clash.
 */
export function compileSchema(name: string, schema: unknown): CompiledSchema {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new InvalidSchema(name, 'a schema must be a JSON object');
  const declared = (schema as Record<string, unknown>).$schema;
  // allErrors: people fix every error at once; it also keeps Ajv's code flat for schemas with thousands of properties.
  // No optimisation pass over the generated code: it doubles the compile time of large schemas for no measurable gain.
  const options = { allErrors: true, strict: false, validateFormats: true, code: { optimize: false } } as const;
  const ajv = typeof declared === 'string' && DRAFT_07.test(declared) ? new Ajv(options) : new Ajv2020(options);
  addFormats.default(ajv);
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema as AnySchema);
  } catch (error) {
    throw new InvalidSchema(name, (error as Error).message);
  }
  // V8 compiles a generated function on its first call: pay that once here, not on the first save a schema checks.
  validate({});
  return { name, validate: (content) => (validate(content) ? [] : readableErrors(validate.errors ?? [])) };
}

const escapePointer = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

const listed = (values: unknown) => (Array.isArray(values) ? values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join(', ') : String(values));

const TYPE_NAMES: Record<string, string> = { integer: 'a whole number', number: 'a number', string: 'a string', boolean: 'true or false', object: 'an object', array: 'a list', null: 'null' };

const typeMessage = (type: unknown) => `must be ${(Array.isArray(type) ? type : String(type).split(',')).map((each) => TYPE_NAMES[each as string] ?? String(each)).join(' or ')}`;

/** One Ajv error as a pointer to the offending value and a sentence about it. */
function readableError(error: ErrorObject): SchemaError {
  const params = error.params as Record<string, unknown>;
  const at = error.instancePath;
  switch (error.keyword) {
    case 'required':
      return { pointer: `${at}/${escapePointer(String(params.missingProperty))}`, message: 'is required', keyword: error.keyword };
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const key = String(params.additionalProperty ?? params.unevaluatedProperty);
      return { pointer: `${at}/${escapePointer(key)}`, message: `is not a known key here (a misspelling?)`, keyword: error.keyword };
    }
    case 'type':
      return { pointer: at, message: typeMessage(params.type), keyword: error.keyword };
    case 'enum':
      return { pointer: at, message: `is not one of: ${listed(params.allowedValues)}`, keyword: error.keyword };
    case 'const':
      return { pointer: at, message: `must be ${JSON.stringify(params.allowedValue)}`, keyword: error.keyword };
    case 'format':
      return { pointer: at, message: `must be a valid ${String(params.format)}`, keyword: error.keyword };
    default:
      return { pointer: at, message: error.message ?? 'is invalid', keyword: error.keyword };
  }
}

/**
 * Ajv's errors as people read them, most specific first and without repeats. Errors of `anyOf`/`oneOf`
 * branches are kept: they say what each alternative wanted.
 */
export function readableErrors(errors: readonly ErrorObject[]): SchemaError[] {
  const seen = new Set<string>();
  const result: SchemaError[] = [];
  for (const error of errors) {
    const readable = readableError(error);
    const key = `${readable.pointer}\u0000${readable.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(readable);
  }
  return result;
}

/**
 * The name of the schema that applies to `content`: the one named by its selector key's value, when that
 * schema exists; else `default`, when it exists; else none.
 */
export function selectSchemaName(content: unknown, selectorKey: string, exists: (name: string) => boolean): string | null {
  if (typeof content === 'object' && content !== null && !Array.isArray(content) && Object.hasOwn(content, selectorKey)) {
    const value = (content as Record<string, unknown>)[selectorKey];
    if (typeof value === 'string' && SCHEMA_NAME.test(value) && exists(value)) return value;
  }
  return exists(DEFAULT_SCHEMA_NAME) ? DEFAULT_SCHEMA_NAME : null;
}
