import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { etagOf } from '../domain/config-document.js';
import { SchemaNotFound, SchemaPreconditionFailed } from '../domain/errors.js';
import { compileSchema, SCHEMA_NAME, type CompiledSchema } from '../domain/json-schema.js';
import { fsyncDirectory, writeFileAtomically } from './atomic-file.js';
import type { FsCalls } from './fs-calls.js';
import { errorCode } from './fs-errors.js';
import { KeyedMutex } from './lock-file.js';
import { statePaths, stateSubdirectory } from './state-directory.js';

/** One schema file as last read. */
export interface StoredSchema {
  name: string;
  bytes: Buffer;
  etag: string;
  /** The file's modification time, in milliseconds since the epoch. */
  updatedAt: number;
  content: Record<string, unknown>;
  compiled: CompiledSchema;
}

export interface SchemaFilesOptions {
  /** The config directory: schemas live in its state directory, shared by every replica. */
  dir: string;
  io: FsCalls;
  logger: FastifyBaseLogger;
  /** The folder is re-read at most this often, so a schema saved on another replica applies here within it plus one request. */
  refreshMs?: number;
}

const SCHEMAS = 'schemas';

const statKeyOf = (stat: { ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint }) => `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;

/**
 * The JSON Schemas under `.iot-config/schemas/<name>.json`, each compiled once per version of its file. The
 * folder is re-read, keyed by each file's stat, when older than `refreshMs`; `version` changes whenever a
 * schema does, so what is derived from the schemas (validation results, the list body) can be cached by it.
 */
export class SchemaFiles {
  private schemas = new Map<string, StoredSchema & { statKey: string }>();
  private checkedAt = -Infinity;
  private scan: Promise<void> | null = null;
  private readonly mutex = new KeyedMutex();
  private readonly warned = new Map<string, string>();
  private readonly folder: string;
  private readonly refreshMs: number;
  /** Changes whenever a schema is added, changed or removed. */
  version = 0;

  constructor(private readonly options: SchemaFilesOptions) {
    this.folder = path.join(statePaths(options.dir).root, SCHEMAS);
    this.refreshMs = options.refreshMs ?? 1000;
  }

  /** Re-reads the folder if it was last read more than `refreshMs` ago. */
  async fresh(): Promise<void> {
    if (Date.now() - this.checkedAt <= this.refreshMs) return;
    this.scan ??= this.rescan().finally(() => {
      this.scan = null;
    });
    await this.scan;
  }

  get(name: string): StoredSchema | undefined {
    return this.schemas.get(name);
  }

  has(name: string): boolean {
    return this.schemas.has(name);
  }

  /** Number of usable schemas. */
  get size(): number {
    return this.schemas.size;
  }

  /** Every usable schema, sorted by name. */
  all(): StoredSchema[] {
    return [...this.schemas.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Writes a schema already compiled by the caller, if `ifMatch` (ETags, or `*`) holds. */
  async save(name: string, bytes: Buffer, compiled: CompiledSchema, content: Record<string, unknown>, ifMatch?: readonly string[] | '*'): Promise<{ schema: StoredSchema; created: boolean }> {
    return this.mutex.run(name, async () => {
      const current = await this.reread(name);
      checkMatch(name, current, ifMatch);
      const target = await stateSubdirectory(this.options.dir, SCHEMAS);
      const stat = await writeFileAtomically(this.options.dir, `${name}.json`, bytes, this.options.io, target);
      const schema = { name, bytes, etag: etagOf(bytes), updatedAt: Number(stat.mtimeMs), content, compiled, statKey: statKeyOf(stat) };
      this.schemas.set(name, schema);
      this.version++;
      return { schema, created: current === undefined };
    });
  }

  async remove(name: string, ifMatch?: readonly string[] | '*'): Promise<void> {
    await this.mutex.run(name, async () => {
      const current = await this.reread(name);
      if (current === undefined) throw new SchemaNotFound(name);
      checkMatch(name, current, ifMatch);
      await this.options.io.unlink(path.join(this.folder, `${name}.json`), { missingOk: true });
      await fsyncDirectory(this.folder, this.options.io);
      this.schemas.delete(name);
      this.version++;
    });
  }

  /** The schema as it is on disk now, so that a condition is checked against another replica's latest save. */
  private async reread(name: string): Promise<StoredSchema | undefined> {
    this.checkedAt = -Infinity;
    await this.fresh();
    return this.schemas.get(name);
  }

  private async rescan(): Promise<void> {
    const startedAt = Date.now();
    let names: string[];
    try {
      names = await fs.readdir(this.folder);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
      names = [];
    }
    const found = new Map<string, StoredSchema & { statKey: string }>();
    for (const file of names) {
      const name = file.endsWith('.json') ? file.slice(0, -'.json'.length) : '';
      if (!SCHEMA_NAME.test(name)) continue;
      const schema = await this.load(name).catch((error: unknown) => {
        this.warnOnce(name, `the file cannot be read (${errorCode(error) ?? 'error'})`);
        return undefined;
      });
      if (schema !== undefined) found.set(name, schema);
    }
    const changed = found.size !== this.schemas.size || [...found].some(([name, schema]) => this.schemas.get(name) !== schema);
    if (changed) {
      this.schemas = found;
      this.version++;
    }
    this.checkedAt = startedAt;
  }

  /** One schema file, from the cache while its stat is unchanged; undefined when it is not a usable schema. */
  private async load(name: string): Promise<(StoredSchema & { statKey: string }) | undefined> {
    const filePath = path.join(this.folder, `${name}.json`);
    const stat = await fs.lstat(filePath, { bigint: true }).catch(() => undefined);
    if (stat === undefined || !stat.isFile()) return undefined;
    const statKey = statKeyOf(stat);
    const cached = this.schemas.get(name);
    if (cached?.statKey === statKey) return cached;
    const bytes = await fs.readFile(filePath);
    // A rename changes the ctime of the file this process just wrote: the same bytes are not compiled again.
    if (cached !== undefined && cached.etag === etagOf(bytes)) {
      cached.statKey = statKey;
      return cached;
    }
    try {
      const content = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      const compiled = compileSchema(name, content);
      this.warned.delete(name);
      return { name, bytes, etag: etagOf(bytes), updatedAt: Number(stat.mtimeMs), content, compiled, statKey };
    } catch (error) {
      // A schema broken by hand applies to nothing until it is fixed: refusing every save by it would stop the fleet.
      this.warnOnce(name, (error as Error).message);
      return undefined;
    }
  }

  private warnOnce(name: string, reason: string): void {
    if (this.warned.get(name) === reason) return;
    this.warned.set(name, reason);
    this.options.logger.warn({ schema: name, reason }, `Ignoring schema ${name}: ${reason}`);
  }
}

function checkMatch(name: string, current: StoredSchema | undefined, ifMatch: readonly string[] | '*' | undefined): void {
  if (ifMatch === undefined) return;
  const holds = current !== undefined && (ifMatch === '*' || ifMatch.includes(current.etag));
  if (!holds) throw new SchemaPreconditionFailed(name, current?.etag ?? null);
}
