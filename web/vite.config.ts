/**
 * Builds the dashboard into web/dist, which `opsight start` serves at `/`.
 * `npx vite --config web/vite.config.ts` runs a dev server that proxies the API to a running
 * opsight (OPSIGHT_URL, default http://127.0.0.1:8080).
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const apiTarget = process.env.OPSIGHT_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: 'web',
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // React + uPlot: ~310 kB minified, ~100 kB gzipped. Warn if something heavy joins them.
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
});
