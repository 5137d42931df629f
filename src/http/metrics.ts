import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const OPERATIONS = ['list', 'get', 'get_raw', 'save', 'delete', 'rename', 'restore', 'asset_upload', 'asset_serve', 'image_proxy'] as const;
export type Operation = (typeof OPERATIONS)[number];
export type OperationStatus = 'success' | 'not_found' | 'invalid_mac' | 'invalid_body' | 'conflict' | 'refused' | 'upstream_error' | 'error';

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * The app's metrics, in a registry of its own (one per app instance, so two
 * apps in one process, as in tests, never share counts). Names and labels are
 * those of the Python backend.
 */
export function createMetrics(countValidConfigs: () => Promise<number>) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const operations = new Counter({
    name: 'iot_config_operations_total',
    help: 'Config operations by outcome',
    labelNames: ['operation', 'status'] as const,
    registers: [registry],
  });
  const operationDuration = new Histogram({
    name: 'iot_config_operation_duration_seconds',
    help: 'Duration of config operations',
    labelNames: ['operation'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  return {
    registry,
    /**
     * Records one response: in the HTTP histogram, and, for a route that performs a config operation, in the
     * operation metrics. `route` is the route's pattern (`unmatched` for none), `errorCode` the code sent if any.
     */
    recordResponse(method: string, route: string, statusCode: number, operation: Operation | undefined, errorCode: string | undefined, seconds: number): void {
      httpDuration.observe({ method, route, status_code: statusCode }, seconds);
      if (operation === undefined) return;
      operations.inc({ operation, status: operationStatus(statusCode, errorCode) });
      operationDuration.observe({ operation }, seconds);
    },
    /** Counts one operation done inside a request that is not itself that operation (each save of a bulk edit). */
    countOperation(operation: Operation, status: OperationStatus): void {
      operations.inc({ operation, status });
    },
    filesCount: new Gauge({
      name: 'iot_config_files_count',
      help: 'Number of valid config files in the config directory at scrape time',
      registers: [registry],
      async collect() {
        try {
          this.set(await countValidConfigs());
        } catch {
          this.set(0);
        }
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** What the history metrics read: versions as this process records them, and the size of the history. */
export interface HistorySource {
  onVersion(listener: (meta: { operation: string }) => void): () => void;
  readonly catalog: { readonly totalBytes: number };
}

/** `iot_config_history_versions_total{operation}` and the size of the history on disk, in `registry`. */
export function registerHistoryMetrics(registry: Registry, history: HistorySource): () => void {
  const versions = new Counter({
    name: 'iot_config_history_versions_total',
    help: 'Versions recorded in the config history by this process, by operation',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'iot_config_history_bytes',
    help: 'Size of the config history on disk (the versions\' bytes)',
    registers: [registry],
    collect() {
      this.set(history.catalog.totalBytes);
    },
  });
  return history.onVersion((meta) => versions.inc({ operation: meta.operation }));
}

/** `iot_asset_upload_failures_total{reason}`: refused uploads by the field at fault (`too_large`, `replayed`...). */
export function registerAssetMetrics(registry: Registry) {
  const failures = new Counter({
    name: 'iot_asset_upload_failures_total',
    help: 'Asset uploads refused, by reason (the field at fault)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  return { refused: (reason: string) => failures.inc({ reason }) };
}

/** The operation outcome label for a response, from its status and error code. */
export function operationStatus(statusCode: number, errorCode: string | undefined): OperationStatus {
  if (statusCode < 400) return 'success';
  if (statusCode === 404) return 'not_found';
  if (errorCode === 'INVALID_OPERATION') return 'invalid_mac';
  if (statusCode === 400 || statusCode === 413 || statusCode === 415) return 'invalid_body';
  if (statusCode === 409 || statusCode === 412) return 'conflict';
  // A client without a valid token, or over a limit: not a fault of the service, so it does not fire error alerts.
  if (statusCode === 401 || statusCode === 403 || statusCode === 429) return 'refused';
  // The image proxy's upstream failed, not this service.
  if (errorCode === 'UPSTREAM_FAILED') return 'upstream_error';
  return 'error';
}
