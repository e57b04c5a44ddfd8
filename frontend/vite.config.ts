/// <reference types="vitest/config" />
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * Swagger UI for the API reference (/api/docs), copied from npm into
 * dist/api-docs/ so the page needs no CDN: it works offline and under the
 * app's own Content-Security-Policy. Its start script is public/api-docs/init.js.
 */
function apiDocsAssets(): Plugin {
  const require = createRequire(import.meta.url);
  return {
    name: 'shotline-api-docs-assets',
    apply: 'build',
    generateBundle() {
      for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE', 'NOTICE']) {
        this.emitFile({ type: 'asset', fileName: `api-docs/${file}`, source: readFileSync(require.resolve(`swagger-ui-dist/${file}`)) });
      }
    },
  };
}

// The Go server serves dist/ and answers index.html for unknown non-/api
// paths, so the build is a plain single-page app with absolute asset URLs.
export default defineConfig({
  plugins: [react(), apiDocsAssets()],
  server: {
    port: 5173,
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
  },
});
