import type { ReactNode } from 'react';
import type { ApiError } from '../api/client.js';
import { AlertIcon, RefreshIcon } from './icons.js';

/** An API error with its message and correlation id, so the matching log line can be found. */
export function ErrorAlert({
  error,
  title,
  onRetry,
  children,
}: {
  error: ApiError;
  title?: string;
  onRetry?: () => void;
  children?: ReactNode;
}) {
  return (
    <div className="alert alert-error" role="alert" data-testid="error-alert" data-code={error.code}>
      <AlertIcon className="alert-icon" />
      <div className="alert-body">
        {title && <p className="alert-title">{title}</p>}
        <p data-testid="error-message">{error.message}</p>
        {error.correlationId && (
          <p className="alert-meta">
            Reference <code data-testid="error-correlation-id">{error.correlationId}</code>
            {error.status > 0 && <> · HTTP {error.status}</>}
            {error.code && <> · {error.code}</>}
          </p>
        )}
        {children}
        {onRetry && (
          <button type="button" className="btn btn-secondary btn-sm" onClick={onRetry} data-testid="retry">
            <RefreshIcon /> Try again
          </button>
        )}
      </div>
    </div>
  );
}
