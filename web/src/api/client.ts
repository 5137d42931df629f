import type { Static } from 'typebox';
import type {
  ConfigListResponse as ConfigListWithRefs,
  ConfigResponse,
  ConfigSummarySchema,
  RenameConfigRequest,
  SkippedFileSchema,
} from '../../../src/http/schemas/configs.js';
import type { UnknownDevice } from '../../../src/http/schemas/device-sync.js';
import type { AssetSchema } from '../../../src/http/schemas/assets.js';
import type { ErrorResponse } from '../../../src/http/schemas/errors.js';
import type { DryRunResponse, SchemaListItem, Validation } from '../../../src/http/schemas/schemas.js';
import type { ImportResponse } from '../../../src/http/schemas/transfer.js';
import type {
  BulkEditRequest,
  BulkResultSchema,
  DuplicateSchema,
  FleetChecksResponseSchema,
  JsonChangeSchema,
  SearchMatchSchema,
  SummaryProblemSchema,
} from '../../../src/http/schemas/fleet.js';
import type {
  AuditEntry,
  AuditResponse,
  DeletedConfig,
  HistoryOperation,
  HistoryResponse,
  HistoryVersion,
  HistoryVersionContent,
} from '../../../src/http/schemas/history.js';

// Types come from the service's TypeBox schemas, never copied by hand.
export type Asset = Static<typeof AssetSchema>;
export type { DryRunResponse, ImportResponse, SchemaListItem, Validation };
/** The options of an import, as the API takes them (see docs/backup.md). */
export interface ImportQuery {
  dry_run?: boolean;
  mode?: 'merge' | 'replace';
  confirm?: number;
  diff?: string;
}
/** A stored JSON Schema as the service answers it. */
export interface StoredSchema {
  name: string;
  updated_at: string;
  schema: Record<string, unknown>;
}
export type { AuditEntry, DeletedConfig, HistoryOperation, HistoryVersion, HistoryVersionContent };
/** The history response; its schema refers to the version schema by $ref, which Static leaves as unknown. */
export type VersionList = Omit<HistoryResponse, 'versions'> & { versions: HistoryVersion[] };
export type AuditPage = Omit<AuditResponse, 'entries'> & { entries: AuditEntry[] };
/** The audit filters as the API takes them; absent or empty ones are not sent. */
export interface AuditQuery {
  mac?: string;
  actor?: string;
  operation?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}
export type { ConfigResponse, ErrorResponse, UnknownDevice };
export type { BulkEditRequest };
export type JsonChange = Static<typeof JsonChangeSchema>;
/** One device's outcome of a bulk edit; its schema refers to the change schema by $ref, which Static leaves as unknown. */
export type BulkResult = Omit<Static<typeof BulkResultSchema>, 'diff'> & { diff?: JsonChange[] };
export type Duplicate = Static<typeof DuplicateSchema>;
export type SummaryProblem = Static<typeof SummaryProblemSchema>;
/** The fleet checks; their schema refers to the duplicate schema by $ref, which Static leaves as unknown. */
export type FleetChecksResponse = Omit<Static<typeof FleetChecksResponseSchema>, 'duplicates'> & { duplicates: Duplicate[] };
export type SearchMatch = Static<typeof SearchMatchSchema>;
/** The fleet facts of a config; their schemas refer to the item schemas by $ref, which Static leaves as unknown. */
interface FleetFacts {
  duplicates?: Duplicate[];
  summary_problems?: SummaryProblem[];
}
export type ConfigSummary = Omit<Static<typeof ConfigSummarySchema>, keyof FleetFacts> & FleetFacts;
export type SkippedFile = Static<typeof SkippedFileSchema>;
/** The list response; its schema refers to the item schemas by $ref, which Static leaves as unknown. */
export type ConfigListResponse = Omit<ConfigListWithRefs, 'configs' | 'skipped'> & { configs: ConfigSummary[]; skipped: SkippedFile[] };

/** A failed API call: the service's error envelope, or a stand-in when the service could not be reached. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  readonly correlationId: string | null;

  /** `code`: the service's, or one of the client's own (NETWORK_ERROR, CLIENT_ERROR) when it could not ask. */
  constructor(status: number, body: Partial<Omit<ErrorResponse, 'code'>> & { code?: string }) {
    super(body.error ?? `Request failed with status ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code ?? 'UNKNOWN_ERROR';
    this.details = body.details ?? {};
    this.correlationId = body.correlationId ?? null;
  }
}

/** A response body with the ETag it was served with. */
export interface Tagged<T> {
  body: T;
  etag: string | null;
  /** The response body as sent, so stored content can be shown without a JSON round trip. */
  text: string;
}

/**
 * Asks the person for the admin token. `rejected` is true when the token in
 * use was refused. Resolves to null when they cancel.
 */
export type TokenPrompt = (rejected: boolean) => Promise<string | null>;

export interface TokenStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const TOKEN_KEY = 'iot-config-manager.admin-token';

/** Where an asset is downloaded from. */
export const assetUrl = (filename: string) => `/api/assets/${encodeURIComponent(filename)}`;

/**
 * The one way the UI talks to the service. Sends the admin token (kept in
 * sessionStorage) on every call; on a 401 it asks for a token and retries.
 */
export class ApiClient {
  private tokenPrompt: TokenPrompt | null = null;
  private pendingPrompt: Promise<string | null> | null = null;

  constructor(
    private readonly tokens: TokenStore,
    private readonly fetchImpl: typeof fetch = (...args) => globalThis.fetch(...args),
  ) {}

  /** Installed by the UI's token dialog. */
  setTokenPrompt(prompt: TokenPrompt | null): void {
    this.tokenPrompt = prompt;
  }

  listConfigs(): Promise<ConfigListResponse> {
    return this.request<ConfigListResponse>('GET', '/api/configs').then((r) => r.body);
  }

  /** MACs that fetched a config they do not have. */
  listUnknownDevices(): Promise<UnknownDevice[]> {
    return this.request<UnknownDevice[]>('GET', '/api/devices/unknown').then((r) => r.body);
  }

  /** Firmware and OTA files (docs/assets.md). */
  listAssets(): Promise<Asset[]> {
    return this.request<{ assets: Asset[] }>('GET', '/api/assets').then((r) => r.body.assets);
  }

  /** One asset's bytes, fetched with the token (a plain link could not send it). */
  downloadAsset(filename: string): Promise<Blob> {
    return this.request<Blob>('GET', assetUrl(filename), { download: true }).then((r) => r.body);
  }

  getConfig(mac: string): Promise<Tagged<ConfigResponse>> {
    return this.request<ConfigResponse>('GET', `/api/configs/${encodeURIComponent(mac)}`);
  }

  /**
   * Saves `contentText` (the editor's text, already checked to be a JSON
   * object) as the config's content. The text is sent as written, so the
   * service keeps numbers such as `1.50` verbatim.
   */
  saveConfig(
    mac: string,
    contentText: string,
    options: { ifMatch?: string | null; allowOverwrite?: boolean; validate?: boolean } = {},
  ): Promise<Tagged<ConfigResponse>> {
    const overwrite = options.allowOverwrite === undefined ? '' : `,"allow_overwrite":${options.allowOverwrite}`;
    const query = options.validate === false ? '?validate=false' : '';
    return this.request<ConfigResponse>('PUT', `/api/configs/${encodeURIComponent(mac)}${query}`, {
      rawBody: `{"content":${contentText}${overwrite}}`,
      ifMatch: options.ifMatch,
    });
  }

  /** How `contentText` fares against the schema that would apply to it; nothing is saved. */
  validateConfig(mac: string, contentText: string, signal?: AbortSignal): Promise<Validation> {
    return this.request<Validation>('POST', `/api/configs/${encodeURIComponent(mac)}/validate`, { rawBody: `{"content":${contentText}}`, signal }).then((r) => r.body);
  }

  listSchemas(): Promise<SchemaListItem[]> {
    return this.request<SchemaListItem[]>('GET', '/api/schemas').then((r) => r.body);
  }

  getSchema(name: string): Promise<Tagged<StoredSchema>> {
    return this.request<StoredSchema>('GET', `/api/schemas/${encodeURIComponent(name)}`);
  }

  /** Saves a schema's text, or with `dryRun` answers which stored configs would fail it. */
  putSchema(name: string, schemaText: string, options: { ifMatch?: string | null; dryRun?: boolean } = {}): Promise<Tagged<StoredSchema | DryRunResponse>> {
    const query = options.dryRun ? '?dry_run=true' : '';
    return this.request<StoredSchema | DryRunResponse>('PUT', `/api/schemas/${encodeURIComponent(name)}${query}`, { rawBody: schemaText, ifMatch: options.ifMatch });
  }

  async deleteSchema(name: string, ifMatch?: string | null): Promise<void> {
    await this.request<null>('DELETE', `/api/schemas/${encodeURIComponent(name)}`, { ifMatch });
  }

  async deleteConfig(mac: string, ifMatch?: string | null): Promise<void> {
    await this.request<null>('DELETE', `/api/configs/${encodeURIComponent(mac)}`, { ifMatch });
  }

  renameConfig(mac: string, newMac: string, ifMatch?: string | null): Promise<Tagged<ConfigResponse>> {
    const body: RenameConfigRequest = { new_mac_address: newMac };
    return this.request<ConfigResponse>('POST', `/api/configs/${encodeURIComponent(mac)}/rename`, {
      rawBody: JSON.stringify(body),
      ifMatch,
    });
  }

  getHistory(mac: string, options: { limit?: number; before?: number } = {}): Promise<VersionList> {
    return this.request<VersionList>('GET', `/api/configs/${encodeURIComponent(mac)}/history${queryString(options)}`).then((r) => r.body);
  }

  getVersion(mac: string, version: number): Promise<HistoryVersionContent> {
    return this.request<HistoryVersionContent>('GET', `/api/configs/${encodeURIComponent(mac)}/history/${version}`).then((r) => r.body);
  }

  /** Writes an old version's bytes again; `ifMatch` is the ETag the config has now (none when it is deleted). */
  restoreVersion(mac: string, version: number, ifMatch?: string | null): Promise<Tagged<ConfigResponse>> {
    return this.request<ConfigResponse>('POST', `/api/configs/${encodeURIComponent(mac)}/history/${version}/restore`, { ifMatch });
  }

  listDeleted(): Promise<DeletedConfig[]> {
    return this.request<DeletedConfig[]>('GET', '/api/history/deleted').then((r) => r.body);
  }

  listAudit(query: AuditQuery): Promise<AuditPage> {
    return this.request<AuditPage>('GET', `/api/audit${queryString({ ...query })}`).then((r) => r.body);
  }

  /** One change for many configs; a dry run (`dryRun`) answers each one's diff and ETag and writes nothing. */
  bulkEdit(request: BulkEditRequest, dryRun: boolean): Promise<BulkResult[]> {
    return this.request<{ results: BulkResult[] }>('POST', `/api/configs/bulk${dryRun ? '?dry_run=true' : ''}`, { rawBody: JSON.stringify(request) }).then(
      (r) => r.body.results,
    );
  }

  /** The values of the unique keys that more than one device holds. */
  fleetChecks(): Promise<FleetChecksResponse> {
    return this.request<FleetChecksResponse>('GET', '/api/configs/checks').then((r) => r.body);
  }

  /** The first value (or key path) of each config that contains `q`. */
  searchConfigs(q: string, limit: number, signal?: AbortSignal): Promise<{ matches: SearchMatch[]; truncated: boolean }> {
    return this.request<{ matches: SearchMatch[]; truncated: boolean }>('GET', `/api/configs/search${queryString({ q, limit })}`, { signal }).then((r) => r.body);
  }

  /** Every config (or those of the MACs given, at most 500) as a .tar.gz, with the file name the service gave it. */
  async exportArchive(macs?: readonly string[]): Promise<{ blob: Blob; fileName: string }> {
    const search = macs === undefined ? '' : queryString({ macs: macs.join(',') });
    const { body, disposition } = await this.request<Blob>('GET', `/api/export${search}`, { download: true });
    return { blob: body, fileName: /filename="([^"]+)"/.exec(disposition ?? '')?.[1] ?? 'iot-configs.tar.gz' };
  }

  /** Sends an archive to import; a dry run (`dry_run: true`) answers the plan and writes nothing. */
  importArchive(archive: Blob, query: ImportQuery): Promise<ImportResponse> {
    const search = queryString({ ...query, dry_run: query.dry_run ? 'true' : undefined });
    return this.request<ImportResponse>('POST', `/api/import${search}`, { blob: archive }).then((r) => r.body);
  }

  private async request<T>(
    method: string,
    path: string,
    options: { rawBody?: string; ifMatch?: string | null; blob?: Blob; download?: boolean; signal?: AbortSignal } = {},
  ): Promise<Tagged<T> & { disposition?: string | null }> {
    for (;;) {
      const token = this.tokens.getItem(TOKEN_KEY);
      const headers: Record<string, string> = { accept: 'application/json' };
      if (options.rawBody !== undefined) headers['content-type'] = 'application/json';
      if (options.blob !== undefined) headers['content-type'] = 'application/octet-stream';
      if (options.ifMatch) headers['if-match'] = options.ifMatch;
      if (token) headers.authorization = `Bearer ${token}`;

      let response: Response;
      try {
        response = await this.fetchImpl(path, { method, headers, body: options.blob ?? options.rawBody, cache: 'no-store', signal: options.signal });
      } catch (error) {
        if (options.signal?.aborted) throw error;
        throw new ApiError(0, {
          error: 'Cannot reach the config service. Check your network connection and that the service is running.',
          code: 'NETWORK_ERROR',
        });
      }

      if (response.status === 401 && this.tokenPrompt) {
        if (token) this.tokens.removeItem(TOKEN_KEY);
        const next = await this.askForToken(Boolean(token));
        if (next) {
          this.tokens.setItem(TOKEN_KEY, next);
          continue;
        }
      }

      if (options.download && response.ok) return { body: (await response.blob()) as T, etag: null, text: '', disposition: response.headers.get('content-disposition') };
      const text = await response.text();
      if (!response.ok) throw new ApiError(response.status, parseEnvelope(text, response));
      return { body: (text ? JSON.parse(text) : null) as T, etag: response.headers.get('etag'), text };
    }
  }

  /** One dialog for all the calls that hit a 401 at the same time. */
  private askForToken(rejected: boolean): Promise<string | null> {
    this.pendingPrompt ??= this.tokenPrompt!(rejected).finally(() => {
      this.pendingPrompt = null;
    });
    return this.pendingPrompt;
  }
}

function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

function parseEnvelope(text: string, response: Response): Partial<ErrorResponse> {
  try {
    const body = JSON.parse(text) as Partial<ErrorResponse>;
    if (typeof body.error === 'string') return body;
  } catch {
    // Not the service's envelope: a proxy's error page, for instance.
  }
  return {
    error: `The service answered ${response.status} ${response.statusText}`.trim(),
    correlationId: response.headers.get('x-request-id') ?? undefined,
  };
}

/** Anything a call threw, as an ApiError (a bug in the page shows up the same way as a failed call). */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, { error: error instanceof Error ? error.message : String(error), code: 'CLIENT_ERROR' });
}
