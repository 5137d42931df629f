/**
 * The error catalogue: every code a client can see, with its HTTP status and what it means. The classes below,
 * the HTTP error handler (`http/plugins/error-handler.ts`) and the OpenAPI enum of `ErrorResponse.code` all read
 * this one table. Storage and services throw these errors and know nothing of HTTP beyond the status each code
 * carries.
 */
export const ERROR_CATALOGUE = {
  INVALID_OPERATION: { status: 400, meaning: 'A malformed MAC address, or an operation that cannot apply (renaming a config to its own MAC; 409 to restore a version that records a delete)' },
  SCHEMA_VIOLATION: { status: 400, meaning: 'The config fails its JSON Schema; nothing was written. `details.schema` and `details.errors` ([{pointer, message, keyword}]); `?validate=false` saves anyway' },
  INVALID_SCHEMA: { status: 400, meaning: 'A JSON Schema that does not compile, or a bad schema name; `details.reason` is Ajv\'s message' },
  VALIDATION_FAILED: { status: 400, meaning: 'The body or a header does not match what the route takes; `details.errors` says where' },
  BAD_REQUEST: { status: 400, meaning: 'Malformed HTTP or URL' },
  UNAUTHORIZED: { status: 401, meaning: 'A token is required and missing or wrong' },
  HOST_NOT_ALLOWED: { status: 403, meaning: 'The image proxy may not fetch from that host (IMAGE_PROXY_ALLOWED_HOSTS), or a redirect led to one; `details.host`' },
  RECORD_NOT_FOUND: { status: 404, meaning: 'No such config, version, schema or asset' },
  ROUTE_NOT_FOUND: { status: 404, meaning: 'No such route' },
  METHOD_NOT_ALLOWED: { status: 405, meaning: 'The route exists for other methods, named in `Allow`' },
  REQUEST_TIMEOUT: { status: 408, meaning: 'The request did not arrive in time' },
  RECORD_EXISTS: { status: 409, meaning: 'A create-only save or a rename onto an existing config' },
  PRECONDITION_FAILED: { status: 412, meaning: '`If-Match` or `If-None-Match` not satisfied; `details.current_etag`' },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: 'The body, the config once stored, or an asset is over its limit; `details.limit_bytes`' },
  URI_TOO_LONG: { status: 414, meaning: 'A URL segment is too long' },
  RANGE_NOT_SATISFIABLE: { status: 416, meaning: 'A `Range` outside the asset; `Content-Range` gives its size' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'The body is not JSON in UTF-8' },
  ARCHIVE_REFUSED: { status: 422, meaning: 'An import archive that is unreadable or unsafe (a path leaving it, a link, a device file, a name twice, too many entries); `details.entry` names the entry. Nothing was written' },
  IMPORT_NOT_CONFIRMED: { status: 409, meaning: 'A replace import would delete configs and `confirm` is not their number; `details.deletions`. Nothing was written' },
  INVALID_STORED_CONFIG: { status: 422, meaning: 'The stored file is not a JSON object; `details.raw` holds its text' },
  RATE_LIMITED: { status: 429, meaning: 'Too many requests, or too many failed authentications; `Retry-After`' },
  HEADERS_TOO_LARGE: { status: 431, meaning: 'The request headers are too large' },
  INTERNAL_ERROR: { status: 500, meaning: 'An unexpected failure; the cause goes to the log' },
  STORAGE_ERROR: { status: 500, meaning: 'An unexpected storage failure; the cause goes to the log' },
  UPSTREAM_FAILED: { status: 502, meaning: 'The image proxy\'s fetch failed: unreachable, timed out, a non-2xx answer, too many redirects, a body over MAX_IMAGE_BYTES or not a decodable image; `details.reason`' },
  STORAGE_UNAVAILABLE: { status: 503, meaning: 'The config directory is missing, not a directory, read-only or not permitted' },
  STORAGE_BUSY: { status: 503, meaning: 'A transient storage condition; retry after `Retry-After`' },
  UPLOADS_DISABLED: { status: 503, meaning: 'Asset uploads are off: SIGNING_KEY_PATH is not set' },
  SHUTTING_DOWN: { status: 503, meaning: 'The service is shutting down; nothing was done, retry' },
  STORAGE_FULL: { status: 507, meaning: 'No space left on the volume; nothing was written' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export interface AppErrorOptions {
  /** A status other than the code's own, where one code has several (a stored directory is 409, not 422). */
  statusCode?: number;
  /** Seconds after which a retry may succeed, sent as `Retry-After`. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** An error a client may see: a code from the catalogue, a message safe to show, and details. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: Record<string, unknown>;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.statusCode = options.statusCode ?? ERROR_CATALOGUE[code].status;
    this.details = details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export interface FieldError {
  field: string;
  message: string;
  /** The JSON pointer (RFC 6901) of the offending value in the body, where one is known. */
  pointer?: string;
}

export class InvalidOperation extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('INVALID_OPERATION', message, details);
  }
}

/** HTTP that parses but cannot be answered safely, e.g. a body whose length cannot be told. */
export class BadRequest extends AppError {
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}

export class ValidationFailed extends AppError {
  constructor(message: string, errors: FieldError[]) {
    super('VALIDATION_FAILED', message, { errors });
  }
}

export class Unauthorized extends AppError {
  constructor(message: string) {
    super('UNAUTHORIZED', message);
  }
}

export class RecordNotFound extends AppError {
  constructor(mac: string) {
    super('RECORD_NOT_FOUND', `Config ${mac} was not found`, { mac_address: mac });
  }
}

export class VersionNotFound extends AppError {
  constructor(mac: string, version: number) {
    super('RECORD_NOT_FOUND', `Version ${version} of config ${mac} was not found`, { mac_address: mac, version });
  }
}

/** A version that records a delete or a move holds no config: there is nothing to restore. */
export class TombstoneNotRestorable extends AppError {
  constructor(mac: string, version: number) {
    super('INVALID_OPERATION', `Version ${version} of ${mac} records that the config was deleted or moved away: restore a version before it`, { mac_address: mac, version }, { statusCode: 409 });
  }
}

export class RecordExists extends AppError {
  constructor(mac: string) {
    super('RECORD_EXISTS', `Config for ${mac} already exists`, { mac_address: mac });
  }
}

export class PreconditionFailed extends AppError {
  /** `failed`: the condition that failed (If-Match by default; on a stored file that has no ETag, as it was never read, its own words). */
  constructor(
    mac: string,
    currentEtag: string | null,
    failed: 'If-Match' | 'If-Match, unusable file' | 'If-None-Match' | 'If-None-Match: *' = 'If-Match',
  ) {
    const messages = {
      'If-None-Match: *': `config ${mac} already exists (If-None-Match: *)`,
      'If-None-Match': `config ${mac} is at ETag ${currentEtag}, which If-None-Match excludes`,
      'If-Match, unusable file': `the stored file of config ${mac} is not a usable config, so it has no ETag to match`,
      'If-Match': currentEtag === null ? `config ${mac} does not exist` : `config ${mac} has changed (current ETag ${currentEtag})`,
    };
    super('PRECONDITION_FAILED', `Precondition failed: ${messages[failed]}`, { mac_address: mac, current_etag: currentEtag });
  }
}

/** One way a config fails its schema: where (a JSON pointer into the config), what, and Ajv's keyword. */
export interface SchemaError {
  pointer: string;
  message: string;
  keyword: string;
}

/** A config refused because it fails the schema that applies to it. */
export class SchemaViolation extends AppError {
  constructor(mac: string, schema: string, errors: SchemaError[]) {
    const first = errors[0];
    const where = first === undefined ? '' : `: ${first.pointer || '/'} ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`;
    super('SCHEMA_VIOLATION', `Config ${mac} fails schema ${schema}${where}`, { mac_address: mac, schema, errors });
  }
}

/** A JSON Schema that cannot be used: it does not compile, or its name is not allowed. */
export class InvalidSchema extends AppError {
  constructor(name: string, reason: string) {
    super('INVALID_SCHEMA', `Schema ${name} is not usable: ${reason}`, { schema: name, reason });
  }
}

/** No schema of that name. */
export class SchemaNotFound extends AppError {
  constructor(name: string) {
    super('RECORD_NOT_FOUND', `Schema ${name} was not found`, { schema: name });
  }
}

/** A schema's `If-Match` that does not hold. */
export class SchemaPreconditionFailed extends AppError {
  constructor(name: string, currentEtag: string | null) {
    super('PRECONDITION_FAILED', currentEtag === null ? `Precondition failed: schema ${name} does not exist` : `Precondition failed: schema ${name} has changed (current ETag ${currentEtag})`, {
      schema: name,
      current_etag: currentEtag,
    });
  }
}

/** A config whose stored, pretty-printed form would be over the size a config file may have. */
export class ConfigTooLarge extends AppError {
  constructor(mac: string, limitBytes: number) {
    super('PAYLOAD_TOO_LARGE', `Config ${mac} would be over ${limitBytes} bytes once stored pretty-printed, the most a config file may have`, {
      mac_address: mac,
      limit_bytes: limitBytes,
    });
  }
}

/** The stored file is not a JSON object. Its text travels in `details.raw` so it can be repaired. */
export class InvalidStoredConfig extends AppError {
  constructor(mac: string, reason: string, raw: string, etag: string | null, statusCode = 422) {
    super('INVALID_STORED_CONFIG', `Stored config ${mac} is not a valid JSON object: ${reason}`, { mac_address: mac, reason, raw, etag }, { statusCode });
  }
}

/** The config directory is missing, not a directory, or unusable. */
export class StorageUnavailable extends AppError {
  constructor(reason: string) {
    super('STORAGE_UNAVAILABLE', `Config storage is unavailable: ${reason}`, { reason });
  }
}

/** A transient storage condition (too many open files, busy filesystem, lock held too long): retry later. */
export class StorageBusy extends AppError {
  constructor(reason: string) {
    super('STORAGE_BUSY', `Config storage is busy, retry later: ${reason}`, { reason }, { retryAfterSeconds: 1 });
  }
}

/** Too many requests, or too many failed authentications, from one client address: retry after the given time. */
export class RateLimited extends AppError {
  constructor(message: string, retryAfterSeconds: number) {
    super('RATE_LIMITED', message, { retry_after_seconds: retryAfterSeconds }, { retryAfterSeconds });
  }
}

/** A request that arrived on an open connection while the service shuts down: nothing was done. */
export class ShuttingDown extends AppError {
  constructor() {
    // Another replica, or this one restarted, can answer a second later.
    super('SHUTTING_DOWN', 'The service is shutting down; nothing was done, retry', {}, { retryAfterSeconds: 1 });
  }
}

/** The image proxy may not fetch from this host. */
export class HostNotAllowed extends AppError {
  constructor(host: string, redirected: boolean) {
    const how = redirected ? 'A redirect led to' : 'The image proxy may not fetch from';
    super('HOST_NOT_ALLOWED', `${how} host ${JSON.stringify(host.slice(0, 255))}, which IMAGE_PROXY_ALLOWED_HOSTS does not list`, { host: host.slice(0, 255), redirected });
  }
}

/** What went wrong with an image proxy's fetch, as `details.reason`. */
export type UpstreamFailure = 'unreachable' | 'timeout' | 'status' | 'too_many_redirects' | 'bad_redirect' | 'too_large' | 'undecodable' | 'too_big_for_lvgl';

/** The image proxy's fetch failed, or what came back is not an image it can convert. */
export class UpstreamFailed extends AppError {
  constructor(reason: UpstreamFailure, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('UPSTREAM_FAILED', message, { reason, ...details }, { cause: options?.cause });
  }
}

/** The disk is full or over quota: nothing was written. */
export class StorageFull extends AppError {
  constructor() {
    super('STORAGE_FULL', 'No space left on the config volume; nothing was written');
  }
}

/** Any other storage failure. The message is safe to show; the cause goes to the log. */
export class StorageError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORAGE_ERROR', message, {}, { cause: options?.cause });
  }
}

/** An import archive that cannot be read safely: it is refused whole, before anything is written. */
export class ArchiveRefused extends AppError {
  constructor(reason: string, entry: string | null = null) {
    super('ARCHIVE_REFUSED', `Import archive refused: ${reason}${entry === null ? '' : ` (entry ${JSON.stringify(entry.slice(0, 200))})`}`, { reason, entry });
  }
}

/** An import upload, or what it unpacks to, over MAX_IMPORT_BYTES (or one entry over the size of a config file). */
export class ArchiveTooLarge extends AppError {
  constructor(what: string, limitBytes: number, setting = 'MAX_IMPORT_BYTES') {
    super('PAYLOAD_TOO_LARGE', `Import refused: ${what} is over ${limitBytes} bytes (${setting}); nothing was written`, { limit_bytes: limitBytes });
  }
}

/** A replace import whose `confirm` is not the number of configs it would delete. */
export class ImportNotConfirmed extends AppError {
  constructor(deletions: number, confirm: number | undefined) {
    const given = confirm === undefined ? 'no confirm was given' : `confirm=${confirm} was given`;
    super('IMPORT_NOT_CONFIRMED', `This replace import deletes ${deletions} config(s) but ${given}: repeat it with confirm=${deletions} after checking the dry run`, { deletions, confirm: confirm ?? null });
  }
}

/** An import stopped by a failed write: each config is old or new, and `details.done` says which were written. */
export class ImportInterrupted extends AppError {
  constructor(cause: AppError, done: object, notDone: string[]) {
    super(cause.code, `Import stopped by a failure, ${notDone.length} change(s) not made: ${cause.message}`, { ...cause.details, done, not_done: notDone }, {
      statusCode: cause.statusCode,
      retryAfterSeconds: cause.retryAfterSeconds,
      cause,
    });
  }
}

/** No asset file of that name. */
export class AssetNotFound extends AppError {
  constructor(filename: string) {
    super('RECORD_NOT_FOUND', `Asset ${filename} was not found`, { filename });
  }
}

/** An asset upload over MAX_ASSET_BYTES: nothing was kept. */
export class AssetTooLarge extends AppError {
  constructor(limitBytes: number) {
    super('PAYLOAD_TOO_LARGE', `The asset is over ${limitBytes} bytes (MAX_ASSET_BYTES); nothing was written`, { limit_bytes: limitBytes });
  }
}

/** An upload to a server without SIGNING_KEY_PATH, which has no key to check its signature with. */
export class UploadsDisabled extends AppError {
  constructor() {
    super('UPLOADS_DISABLED', 'Asset uploads are off on this server: set SIGNING_KEY_PATH to the signing key to turn them on');
  }
}

/** Why an upload was refused, as the `reason` label of `iot_asset_upload_failures_total`. */
export type UploadRefusal = 'file' | 'filename' | 'timestamp' | 'signature' | 'replayed' | 'file_sha256' | 'too_large';

/** An asset upload refused for one of its form fields: 400 naming the field. */
export class UploadRefused extends AppError {
  constructor(
    readonly reason: UploadRefusal,
    field: string,
    message: string,
  ) {
    super('VALIDATION_FAILED', message, { errors: [{ field, message }] });
  }
}
