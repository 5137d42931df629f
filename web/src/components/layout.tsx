import { Link, NavLink, Outlet } from 'react-router-dom';
import { ChipIcon } from './icons.js';

export function Layout() {
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
            <NavLink to="/devices" end>
              Devices
            </NavLink>
            <a href="/api/docs" target="_blank" rel="noreferrer">
              API docs
            </a>
          </nav>
        </div>
      </header>
      <main id="main" className="page">
        <Outlet />
      </main>
    </div>
  );
}

export function NotFoundPage() {
  return (
    <div className="empty-state">
      <h1>Page not found</h1>
      <p className="muted">There is nothing at this address.</p>
      <Link className="btn btn-primary" to="/devices">
        Back to devices
      </Link>
    </div>
  );
}
