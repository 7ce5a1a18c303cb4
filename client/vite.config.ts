import { defineConfig } from 'vite';

// Built into the Python package so `layerwalk serve` can ship it; base './' keeps every asset URL relative,
// so the client works under any URL prefix (reverse proxies, notebooks).
export default defineConfig({
  base: './',
  build: {
    outDir: '../src/layerwalk/client_dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    // `npm run dev` against a running `layerwalk serve` on :8000
    proxy: { '/api': 'http://127.0.0.1:8000' },
  },
});
