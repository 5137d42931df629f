import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router-dom';
import { ApiContext } from './api/api-context.js';
import { ApiClient } from './api/client.js';
import { Layout, NotFoundPage, RouteErrorPage } from './components/layout.js';
import { LoadingPlaceholder } from './components/loading-placeholder.js';
import { ToastProvider } from './components/toast.js';
import { TokenDialog } from './components/token-dialog.js';
import { DeviceListPage } from './pages/device-list-page.js';
import './styles.css';
// After styles.css, whose rules of the list and editor these extend.
import './components/fleet.css';

const client = new ApiClient(window.sessionStorage);

function PageLoading() {
  return <LoadingPlaceholder className="card skeleton-block" label="Loading the page" testId="page-loading" />;
}

const router = createBrowserRouter([
  {
    element: <Layout />,
    // In place of React Router's developer page, and with the header kept so the person can go elsewhere.
    errorElement: (
      <Layout>
        <RouteErrorPage />
      </Layout>
    ),
    children: [
      { index: true, element: <Navigate to="/devices" replace /> },
      { path: 'devices', element: <DeviceListPage /> },
      // The editor pages (and CodeMirror) load on first use, so the list shows fast. Opened by a deep link,
      // the page shows a placeholder in the layout while its code loads.
      {
        path: 'devices/new',
        lazy: () => import('./pages/new-device-page.js').then((page) => ({ Component: page.NewDevicePage })),
        hydrateFallbackElement: <PageLoading />,
      },
      {
        path: 'devices/:mac',
        lazy: () => import('./pages/edit-device-page.js').then((page) => ({ Component: page.EditDeviceRoute })),
        hydrateFallbackElement: <PageLoading />,
      },
      {
        path: 'audit',
        lazy: () => import('./pages/audit-log-page.js').then((page) => ({ Component: page.AuditLogPage })),
        hydrateFallbackElement: <PageLoading />,
      },
      {
        path: 'deleted',
        lazy: () => import('./pages/deleted-page.js').then((page) => ({ Component: page.DeletedPage })),
        hydrateFallbackElement: <PageLoading />,
      },
      {
        path: 'devices/unknown',
        lazy: () => import('./pages/unknown-devices-page.js').then((page) => ({ Component: page.UnknownDevicesPage })),
        hydrateFallbackElement: <PageLoading />,
      },
      {
        path: 'schemas',
        lazy: () => import('./pages/schemas-page.js').then((page) => ({ Component: page.SchemasPage })),
        hydrateFallbackElement: <PageLoading />,
      },
      {
        path: 'assets',
        lazy: () => import('./pages/assets-page.js').then((page) => ({ Component: page.AssetsPage })),
        hydrateFallbackElement: <PageLoading />,
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApiContext.Provider value={client}>
      <ToastProvider>
        <RouterProvider router={router} />
        <TokenDialog client={client} />
      </ToastProvider>
    </ApiContext.Provider>
  </StrictMode>,
);
