import { Type, type Static } from 'typebox';

export const FieldErrorSchema = Type.Object(
  {
    field: Type.String({ description: 'Where the problem is, e.g. `content` or `body`' }),
    message: Type.String({ description: 'What is wrong with it' }),
  },
  { $id: 'FieldError' },
);

/** The one error envelope of every non-2xx JSON response. */
export const ErrorResponseSchema = Type.Object(
  {
    error: Type.String({ description: 'Human-readable message' }),
    code: Type.String({
      description:
        'Stable machine-readable code: INVALID_OPERATION, VALIDATION_FAILED, RECORD_NOT_FOUND, RECORD_EXISTS, PRECONDITION_FAILED, INVALID_STORED_CONFIG, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, ROUTE_NOT_FOUND, METHOD_NOT_ALLOWED, STORAGE_UNAVAILABLE, STORAGE_BUSY, SHUTTING_DOWN, STORAGE_FULL, STORAGE_ERROR, INTERNAL_ERROR, UNAUTHORIZED, RATE_LIMITED, BAD_REQUEST, REQUEST_TIMEOUT, URI_TOO_LONG, HEADERS_TOO_LARGE…',
    }),
    details: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'Code-specific details: `errors` for VALIDATION_FAILED, `current_etag` for PRECONDITION_FAILED, `raw` for INVALID_STORED_CONFIG',
    }),
    correlationId: Type.String({ description: 'The request id, also in the X-Request-Id header and in the log lines of the request' }),
  },
  { $id: 'ErrorResponse', description: 'Error envelope' },
);

export type ErrorResponse = Static<typeof ErrorResponseSchema>;

/**
 * `{ 400: ErrorResponse, 404: ErrorResponse… }` for a route's response schema. Always JSON, also on a route
 * whose own answer is another type (`/metrics`), so the media type is given here, not left to the route's.
 */
export function errorResponses(...statusCodes: number[]): Record<number, unknown> {
  const envelope = { description: 'Error envelope', content: { 'application/json': { schema: Type.Ref('ErrorResponse') } } };
  return Object.fromEntries(statusCodes.map((status) => [status, envelope]));
}
