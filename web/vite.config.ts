import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';

/** The API that `npm run dev` proxies to (the service's default port). */
const API = 'http://127.0.0.1:3201';

// Run with `vite web` / `vite build web`: paths here are relative to web/.
export default defineConfig({
  // Brotli and gzip copies of each file over 1 KiB, sent as they are by the service (`preCompressed` in its UI plugin).
  plugins: [react(), compression({ algorithms: ['brotliCompress', 'gzip'], threshold: 1024 })],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // No inline <script> or data: module: the UI must run under `script-src 'self'`.
    assetsInlineLimit: 0,
    sourcemap: true,
    rolldownOptions: {
      output: {
        // Named vendor chunks: React for every page, the editor only for the pages that edit.
        codeSplitting: {
          groups: [
            { name: 'codemirror', test: /node_modules[\\/](@codemirror|@lezer|codemirror|style-mod|w3c-keyname|crelt|@marijn)[\\/]/ },
            { name: 'react', test: /node_modules[\\/](react|react-dom|react-router|react-router-dom|scheduler|cookie|set-cookie-parser)[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': API,
      '/metrics': API,
      '/esp32': API,
    },
  },
});
