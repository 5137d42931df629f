/**
 * Domain errors. Storage and services throw these; `plugins/error-handler.ts`
 * is the one place that turns them (and Fastify's own errors) into the HTTP
 * error envelope `{error, code, details, correlationId}`.
 */
export class AppError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly details: Record<string, unknown>;
  /** Seconds after which a retry may succeed, sent as `Retry-After`; undefined when waiting would not help. */
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, code: string, statusCode: number, details: Record<string, unknown> = {}, retryAfterSeconds?: number) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.statusCode = statusCode;
    this.details = details;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface FieldError {
  field: string;
  message: string;
}

export class InvalidOperation extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, 'INVALID_OPERATION', 400, details);
  }
}

/** HTTP that parses but cannot be answered safely, e.g. a body whose length cannot be told. */
export class BadRequest extends AppError {
  constructor(message: string) {
    super(message, 'BAD_REQUEST', 400);
  }
}

export class ValidationFailed extends AppError {
  constructor(message: string, errors: FieldError[]) {
    super(message, 'VALIDATION_FAILED', 400, { errors });
  }
}

export class RecordNotFound extends AppError {
  constructor(mac: string) {
    super(`Config ${mac} was not found`, 'RECORD_NOT_FOUND', 404, { mac_address: mac });
  }
}

export class RecordExists extends AppError {
  constructor(mac: string) {
    super(`Config for ${mac} already exists`, 'RECORD_EXISTS', 409, { mac_address: mac });
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
    super(`Precondition failed: ${messages[failed]}`, 'PRECONDITION_FAILED', 412, { mac_address: mac, current_etag: currentEtag });
  }
}

/** A config whose stored, pretty-printed form would be over the size a config file may have. */
export class ConfigTooLarge extends AppError {
  constructor(mac: string, limitBytes: number) {
    super(
      `Config ${mac} would be over ${limitBytes} bytes once stored pretty-printed, the most a config file may have`,
      'PAYLOAD_TOO_LARGE',
      413,
      { mac_address: mac, limit_bytes: limitBytes },
    );
  }
}

/** The stored file is not a JSON object. Its text travels in `details.raw` so it can be repaired. */
export class InvalidStoredConfig extends AppError {
  constructor(mac: string, reason: string, raw: string, etag: string | null, statusCode = 422) {
    super(`Stored config ${mac} is not a valid JSON object: ${reason}`, 'INVALID_STORED_CONFIG', statusCode, {
      mac_address: mac,
      reason,
      raw,
      etag,
    });
  }
}

/** The config directory is missing, not a directory, or unusable. */
export class StorageUnavailable extends AppError {
  constructor(reason: string) {
    super(`Config storage is unavailable: ${reason}`, 'STORAGE_UNAVAILABLE', 503, { reason });
  }
}

/** A transient storage condition (too many open files, busy filesystem, lock held too long): retry later. */
export class StorageBusy extends AppError {
  constructor(reason: string) {
    super(`Config storage is busy, retry later: ${reason}`, 'STORAGE_BUSY', 503, { reason }, 1);
  }
}

/** Too many requests, or too many failed authentications, from one client address: retry after the given time. */
export class RateLimited extends AppError {
  constructor(message: string, retryAfterSeconds: number) {
    super(message, 'RATE_LIMITED', 429, { retry_after_seconds: retryAfterSeconds }, retryAfterSeconds);
  }
}

/** A request that arrived on an open connection while the service shuts down: nothing was done. */
export class ShuttingDown extends AppError {
  constructor() {
    // Another replica, or this one restarted, can answer a second later.
    super('The service is shutting down; nothing was done, retry', 'SHUTTING_DOWN', 503, {}, 1);
  }
}

/** The disk is full or over quota: nothing was written. */
export class StorageFull extends AppError {
  constructor() {
    super('No space left on the config volume; nothing was written', 'STORAGE_FULL', 507);
  }
}

/** Any other storage failure. The message is safe to show; the cause goes to the log. */
export class StorageError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'STORAGE_ERROR', 500);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
