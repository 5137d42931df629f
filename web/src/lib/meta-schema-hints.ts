import type { JsonSchema } from './schema-lookup.js';

const TYPES = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];
const FORMATS = ['date-time', 'date', 'time', 'email', 'hostname', 'ipv4', 'ipv6', 'uri', 'uuid', 'regex'];

/**
 * The JSON Schema keywords a config schema mostly uses, described, for completion and hover while a schema is
 * written. Not the meta-schema itself: the service checks a schema with Ajv's when it is saved.
 */
export const META_SCHEMA_HINTS: JsonSchema = {
  type: 'object',
  properties: {
    $schema: { description: 'The JSON Schema version: 2020-12 unless it names draft-07', enum: ['https://json-schema.org/draft/2020-12/schema', 'http://json-schema.org/draft-07/schema#'] },
    $id: { type: 'string', description: 'The schema\'s URI, optional' },
    $ref: { type: 'string', description: 'Use another schema, e.g. "#/$defs/mqtt"' },
    $defs: { type: 'object', description: 'Named schemas to refer to with $ref', additionalProperties: { $ref: '#' } },
    title: { type: 'string', description: 'A short name, shown in the form view' },
    description: { type: 'string', description: 'What the value is for, shown on hover and in the form view' },
    type: { enum: TYPES, description: 'The value\'s JSON type' },
    enum: { type: 'array', description: 'The only values allowed' },
    const: { description: 'The one value allowed' },
    default: { description: 'The value the form view fills in' },
    properties: { type: 'object', description: 'The schema of each key of an object', additionalProperties: { $ref: '#' } },
    required: { type: 'array', description: 'Keys an object must have' },
    additionalProperties: { description: 'false: refuse keys not in properties (catches misspelt keys)', anyOf: [{ type: 'boolean' }, { $ref: '#' }] },
    items: { $ref: '#', description: 'The schema of each item of an array' },
    minItems: { type: 'integer', description: 'Fewest items of an array' },
    maxItems: { type: 'integer', description: 'Most items of an array' },
    uniqueItems: { type: 'boolean', description: 'No item twice' },
    minimum: { type: 'number', description: 'Smallest number allowed' },
    maximum: { type: 'number', description: 'Largest number allowed' },
    exclusiveMinimum: { type: 'number' },
    exclusiveMaximum: { type: 'number' },
    multipleOf: { type: 'number' },
    minLength: { type: 'integer', description: 'Fewest characters of a string' },
    maxLength: { type: 'integer', description: 'Most characters of a string' },
    pattern: { type: 'string', description: 'A regular expression a string must match' },
    format: { enum: FORMATS, description: 'A string format checked by the service (ajv-formats)' },
    anyOf: { type: 'array', items: { $ref: '#' }, description: 'Valid against at least one of these' },
    oneOf: { type: 'array', items: { $ref: '#' }, description: 'Valid against exactly one of these' },
    allOf: { type: 'array', items: { $ref: '#' }, description: 'Valid against all of these' },
    not: { $ref: '#' },
    if: { $ref: '#' },
    then: { $ref: '#' },
    else: { $ref: '#' },
  },
};
