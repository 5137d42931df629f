import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/client.js';
import { Dialog } from './dialog.js';
import { KeyIcon } from './icons.js';

interface PendingPrompt {
  rejected: boolean;
  resolve: (token: string | null) => void;
}

/**
 * Asks for the admin token when the service answers 401. The client keeps
 * the token in sessionStorage (this tab only) and retries the call.
 */
export function TokenDialog({ client }: { client: ApiClient }) {
  const [prompt, setPrompt] = useState<PendingPrompt | null>(null);
  const [token, setToken] = useState('');

  useEffect(() => {
    client.setTokenPrompt((rejected) => new Promise((resolve) => setPrompt({ rejected, resolve })));
    return () => client.setTokenPrompt(null);
  }, [client]);

  if (!prompt) return null;
  const finish = (value: string | null) => {
    prompt.resolve(value);
    setPrompt(null);
    setToken('');
  };

  return (
    <Dialog title="Admin token required" testId="token-dialog" onClose={() => finish(null)}>
      <form
        className="dialog-body"
        onSubmit={(event) => {
          event.preventDefault();
          if (token.trim()) finish(token.trim());
        }}
      >
        <p className="muted">
          This service is protected. Enter the admin token (<code>ADMIN_TOKEN</code>) to continue; it is kept in this browser tab
          only.
        </p>
        {prompt.rejected && (
          <p className="field-error" role="alert" data-testid="token-rejected">
            That token was not accepted. Check it and try again.
          </p>
        )}
        <label className="field">
          <span className="field-label">Admin token</span>
          <input
            type="password"
            className="input input-mono"
            autoComplete="off"
            autoFocus
            value={token}
            onChange={(event) => setToken(event.target.value)}
            data-testid="token-input"
          />
        </label>
        <div className="dialog-actions">
          <button type="button" className="btn btn-secondary" onClick={() => finish(null)} data-testid="token-cancel">
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={!token.trim()} data-testid="token-submit">
            <KeyIcon /> Continue
          </button>
        </div>
      </form>
    </Dialog>
  );
}
