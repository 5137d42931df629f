import { useState } from 'react';
import { Link } from 'react-router-dom';
import type { SkippedFile } from '../api/client.js';
import { macFromFileName } from '../lib/config-text.js';
import { AlertIcon } from './icons.js';
import { readStoredFlag, storeFlag } from '../lib/stored-flag.js';

const COLLAPSED_KEY = 'iot-config-manager.skipped-banner-collapsed';

/** The files of the config folder that are not listed; the list of them folds away, and stays folded on later visits. */
export function SkippedBanner({ skipped }: { skipped: SkippedFile[] }) {
  const [collapsed, setCollapsed] = useState(() => readStoredFlag(COLLAPSED_KEY));
  const toggle = () => {
    setCollapsed(!collapsed);
    storeFlag(COLLAPSED_KEY, !collapsed);
  };
  return (
    <div className="alert alert-warning" role="status" data-testid="skipped-banner">
      <AlertIcon className="alert-icon" />
      <div className="alert-body">
        <div className="alert-heading-row">
          <p className="alert-title">
            {skipped.length === 1 ? '1 file in the config folder is' : `${skipped.length} files in the config folder are`} not listed
          </p>
          <button type="button" className="btn btn-ghost btn-sm" aria-expanded={!collapsed} onClick={toggle} data-testid="skipped-toggle">
            {collapsed ? 'Show files' : 'Hide files'}
          </button>
        </div>
        {!collapsed && (
          <ul className="skipped-list">
            {skipped.map((file) => {
              const mac = macFromFileName(file.filename);
              return (
                <li key={file.filename} data-testid="skipped-file">
                  <bdi>
                    <code>{file.filename}</code>
                  </bdi>
                  : {file.reason}
                  {mac && (
                    <>
                      {' '}
                      <Link to={`/devices/${mac}`} data-testid="repair-link">
                        Open to repair
                      </Link>
                    </>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </div>
    </div>
  );
}
