import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The API that `npm run dev` proxies to (the service's default port). */
const API = 'http://127.0.0.1:3201';

// Run with `vite web` / `vite build web`: paths here are relative to web/.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // No inline <script> or data: module: the UI must run under `script-src 'self'`.
    assetsInlineLimit: 0,
    sourcemap: true,
  },
  server: {
    proxy: {
      '/api': API,
      '/metrics': API,
      '/esp32': API,
    },
  },
});
