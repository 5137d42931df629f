import { Type, type Static } from 'typebox';
import { ERROR_CATALOGUE, ERROR_CODES, type ErrorCode } from '../../domain/errors.js';

export const FieldErrorSchema = Type.Object(
  {
    field: Type.String({ description: 'Where the problem is, e.g. `content` or `body`' }),
    message: Type.String({ description: 'What is wrong with it' }),
    pointer: Type.Optional(Type.String({ description: 'The JSON pointer (RFC 6901) of the offending value in the body, where one is known, e.g. `/content/mqtt/port`' })),
  },
  { $id: 'FieldError', title: 'FieldError' },
);

/** The one error envelope of every non-2xx JSON response. */
export const ErrorResponseSchema = Type.Object(
  {
    error: Type.String({ description: 'Human-readable message' }),
    code: Type.Unsafe<ErrorCode>({
      type: 'string',
      enum: ERROR_CODES,
      description: `Stable machine-readable code:\n${ERROR_CODES.map((code) => `- \`${code}\` (${ERROR_CATALOGUE[code].status}): ${ERROR_CATALOGUE[code].meaning}`).join('\n')}`,
    }),
    details: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'Code-specific details: `errors` for VALIDATION_FAILED, `current_etag` for PRECONDITION_FAILED, `raw` for INVALID_STORED_CONFIG',
    }),
    correlationId: Type.String({ description: 'The request id, also in the X-Request-Id header and in the log lines of the request' }),
  },
  { $id: 'ErrorResponse', title: 'ErrorResponse', description: 'Error envelope' },
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
