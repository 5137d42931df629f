import type { ReactNode } from 'react';
import { Link, NavLink, Outlet, useLocation } from 'react-router-dom';
import { AlertIcon, ChipIcon, RefreshIcon } from './icons.js';
import { PageHeading } from './page-heading.js';

/** The header and navigation around the page; `children` replaces the routed page (the route error page). */
export function Layout({ children }: { children?: ReactNode }) {
  const { pathname } = useLocation();
  // A device's pages are part of Devices; the unknown devices have their own entry.
  const onDevices = pathname === '/devices' || (pathname.startsWith('/devices/') && !pathname.startsWith('/devices/unknown'));
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to="/devices" className="brand">
            <span className="brand-mark">
              <ChipIcon />
            </span>
            <span>IoT Config Manager</span>
          </Link>
          <nav className="topnav" aria-label="Main">
            <Link to="/devices" className={onDevices ? 'active' : undefined} aria-current={onDevices ? 'page' : undefined} data-testid="nav-devices">
              Devices
            </Link>
            <NavLink to="/audit">Audit log</NavLink>
            <NavLink to="/deleted">Deleted</NavLink>
            <NavLink to="/schemas">Schemas</NavLink>
            <NavLink to="/assets">Assets</NavLink>
            <NavLink to="/devices/unknown" end data-testid="nav-unknown-devices" aria-label="Unknown devices" title="Unknown devices">
              <AlertIcon className="nav-icon" />
              <span className="nav-label">Unknown devices</span>
            </NavLink>
            <a href="/api/docs" target="_blank" rel="noreferrer">
              API docs
            </a>
          </nav>
        </div>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        {children ?? <Outlet />}
      </main>
    </div>
  );
}

export function NotFoundPage() {
  return (
    <div className="empty-state">
      <PageHeading>Page not found</PageHeading>
      <p className="muted">There is nothing at this address.</p>
      <Link className="btn btn-primary" to="/devices">
        Back to devices
      </Link>
    </div>
  );
}

/**
 * Shown instead of a page that failed: mostly a lazy page's code that did not load (the service was unreachable,
 * or a redeploy removed the old build's chunk). The browser remembers a failed import, so only a reload recovers.
 */
export function RouteErrorPage() {
  return (
    <div className="alert alert-error" role="alert" data-testid="route-error">
      <AlertIcon className="alert-icon" />
      <div className="alert-body">
        <PageHeading className="alert-title">This page could not be loaded</PageHeading>
        <p>The service may be unreachable, or a new version was installed. Reload the page to try again; nothing was changed.</p>
        <button type="button" className="btn btn-secondary btn-sm" onClick={() => window.location.reload()} data-testid="reload">
          <RefreshIcon /> Reload
        </button>
      </div>
    </div>
  );
}
