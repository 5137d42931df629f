import { Counter, Histogram, type Registry } from 'prom-client';
import { AppError } from '../domain/errors.js';

/** The old backend's `error_type` label values, with `host_not_allowed` for the allow list it did not have. */
export type ImageProxyErrorType = 'none' | 'missing_header' | 'invalid_operation' | 'host_not_allowed' | 'external_fetch_failed' | 'decode_failed' | 'lvgl_conversion_failed' | 'unknown';

/** The label of a failure of the image proxy's handler. */
export function imageProxyErrorType(error: unknown): ImageProxyErrorType {
  if (!(error instanceof AppError)) return 'unknown';
  if (error.code === 'HOST_NOT_ALLOWED') return 'host_not_allowed';
  if (error.code === 'VALIDATION_FAILED') return error.message.startsWith('Header ') ? 'missing_header' : 'invalid_operation';
  if (error.code !== 'UPSTREAM_FAILED') return 'unknown';
  if (error.details.reason === 'undecodable') return 'decode_failed';
  if (error.details.reason === 'too_big_for_lvgl') return 'lvgl_conversion_failed';
  return 'external_fetch_failed';
}

/**
 * The old backend's image proxy metrics, under its names, in `registry`. Requests refused by the query's schema
 * never reach the handler and are not counted here, as there; `iot_config_operations_total` counts every one.
 */
export function createImageProxyMetrics(registry: Registry) {
  const operations = new Counter({
    name: 'iot_image_proxy_operations_total',
    help: 'Total image proxy operations',
    labelNames: ['status', 'error_type'] as const,
    registers: [registry],
  });
  const duration = new Histogram({ name: 'iot_image_proxy_operation_duration_seconds', help: 'Duration of image proxy operations in seconds', registers: [registry] });
  const fetchDuration = new Histogram({
    name: 'iot_image_proxy_external_fetch_duration_seconds',
    help: 'Duration of external image fetches in seconds',
    registers: [registry],
  });
  const imageSize = new Histogram({
    name: 'iot_image_proxy_image_size_bytes',
    help: 'Size of fetched images in bytes',
    buckets: [1024, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216],
    registers: [registry],
  });
  return {
    /** One fetch that brought a body back. */
    fetched(seconds: number, bytes: number): void {
      fetchDuration.observe(seconds);
      imageSize.observe(bytes);
    },
    /** One handled request: `error` is what it failed with, undefined on success. */
    finished(seconds: number, error?: unknown): void {
      const errorType = error === undefined ? 'none' : imageProxyErrorType(error);
      operations.inc({ status: error === undefined ? 'success' : 'error', error_type: errorType });
      duration.observe(seconds);
    },
  };
}
