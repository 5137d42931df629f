import { SchemaViolation, type SchemaError } from '../domain/errors.js';
import { selectSchemaName, type CompiledSchema } from '../domain/json-schema.js';
import type { SchemaFiles } from './schema-files.js';

/** How a config fares against the schema that applies to it; `schema` null when none applies. */
export interface ValidationResult {
  schema: string | null;
  valid: boolean;
  errors: SchemaError[];
}

export const NO_SCHEMA: ValidationResult = Object.freeze({ schema: null, valid: true, errors: [] });

const NOT_AN_OBJECT: SchemaError[] = [{ pointer: '', message: 'must be a JSON object', keyword: 'type' }];

/** The content of stored config bytes, or undefined when they are not JSON. */
export function parsedConfig(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Validates configs against the schema their selector key names. Results are cached by the config's bytes
 * (one Buffer per stored version of a config) and the schemas' version, so that the list validates a config
 * once per change of it or of the schemas, never per request.
 */
export class ConfigValidation {
  private readonly cache = new WeakMap<Buffer, { version: number; result: ValidationResult }>();

  constructor(
    readonly schemas: SchemaFiles,
    readonly selectorKey: string,
  ) {}

  /** The result for stored bytes, with the schemas as last read (call `schemas.fresh()` first where it matters). */
  resultOf(bytes: Buffer): ValidationResult {
    if (this.schemas.size === 0) return NO_SCHEMA;
    const cached = this.cache.get(bytes);
    if (cached?.version === this.schemas.version) return cached.result;
    const result = this.validate(parsedConfig(bytes));
    this.cache.set(bytes, { version: this.schemas.version, result });
    return result;
  }

  /** The result for a parsed config. */
  validate(content: unknown, lookup: (name: string) => CompiledSchema | undefined = (name) => this.schemas.get(name)?.compiled): ValidationResult {
    const name = selectSchemaName(content, this.selectorKey, (each) => lookup(each) !== undefined);
    if (name === null) return NO_SCHEMA;
    const errors = typeof content === 'object' && content !== null ? lookup(name)!.validate(content) : NOT_AN_OBJECT;
    return { schema: name, valid: errors.length === 0, errors };
  }

  /** Throws SchemaViolation, before anything is written, when the config in `bytes` fails its schema. */
  async check(mac: string, bytes: Buffer): Promise<void> {
    await this.schemas.fresh();
    if (this.schemas.size === 0) return;
    const result = this.validate(parsedConfig(bytes));
    if (!result.valid) throw new SchemaViolation(mac, result.schema!, result.errors);
  }

  /**
   * The result a config would have if schema `name` were `compiled` (null: removed), the other schemas as
   * they are: for a dry run of a schema change.
   */
  resultWith(bytes: Buffer, name: string, compiled: CompiledSchema | null): ValidationResult {
    return this.validate(parsedConfig(bytes), (each) => (each === name ? (compiled ?? undefined) : this.schemas.get(each)?.compiled));
  }
}
