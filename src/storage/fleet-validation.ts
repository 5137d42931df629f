import type { SchemaError } from '../domain/errors.js';
import type { CompiledSchema } from '../domain/json-schema.js';
import type { ConfigStore } from './config-store.js';
import { NO_SCHEMA, type ValidationResult } from './config-validation.js';

export interface SchemaUse {
  config_count: number;
  failing_count: number;
}

export interface DryRun extends SchemaUse {
  failing: { mac_address: string; errors: SchemaError[] }[];
}

/**
 * The validation of every listed config, derived from the listing and the schemas and rebuilt only when
 * either changes: what the list, the schema list and the failing-configs gauge show.
 */
export class FleetValidation {
  private cached: { key: string; results: Map<string, ValidationResult>; uses: Map<string, SchemaUse>; failing: number } | null = null;

  constructor(private readonly store: ConfigStore) {}

  /** The result of each listed config, by MAC, with per-schema counts, as of now. */
  async current(): Promise<NonNullable<FleetValidation['cached']>> {
    const listing = await this.store.list();
    const { schemas } = this.store.validation;
    await schemas.fresh();
    const key = `${listing.version}:${schemas.version}`;
    if (this.cached?.key === key) return this.cached;
    const results = new Map<string, ValidationResult>();
    const uses = new Map<string, SchemaUse>();
    let failing = 0;
    for (const { mac_address: mac } of listing.configs) {
      const bytes = this.store.storedBytes(mac);
      const result = bytes === undefined ? NO_SCHEMA : this.store.validation.resultOf(bytes);
      results.set(mac, result);
      if (result.schema === null) continue;
      const use = uses.get(result.schema) ?? { config_count: 0, failing_count: 0 };
      use.config_count++;
      if (!result.valid) {
        use.failing_count++;
        failing++;
      }
      uses.set(result.schema, use);
    }
    this.cached = { key, results, uses, failing };
    return this.cached;
  }

  /** Each listed config's result, by MAC, and the schemas' version, once the schemas are fresh. */
  async view(): Promise<{ version: number; resultOf(mac: string): ValidationResult }> {
    const { validation } = this.store;
    await validation.schemas.fresh();
    return {
      version: validation.schemas.version,
      resultOf: (mac) => {
        const bytes = this.store.storedBytes(mac);
        return bytes === undefined ? NO_SCHEMA : validation.resultOf(bytes);
      },
    };
  }

  /** Which stored configs would fail if schema `name` were `compiled` (null: deleted); nothing is saved. */
  async dryRun(name: string, compiled: CompiledSchema | null): Promise<DryRun> {
    const listing = await this.store.list();
    await this.store.validation.schemas.fresh();
    const run: DryRun = { config_count: 0, failing_count: 0, failing: [] };
    for (const { mac_address: mac } of listing.configs) {
      const bytes = this.store.storedBytes(mac);
      if (bytes === undefined) continue;
      const result = this.store.validation.resultWith(bytes, name, compiled);
      if (result.schema !== name) continue;
      run.config_count++;
      if (result.valid) continue;
      run.failing_count++;
      run.failing.push({ mac_address: mac, errors: result.errors });
    }
    return run;
  }
}
