import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The coordinator page: built to dist/dashboard, served by the API under /dashboard/. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/dashboard/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
  },
  // `npx vite --config apps/dashboard/vite.config.mts` while `npm start` runs the API on :3000.
  server: {
    proxy: {
      '^/(reviews|reviews\\.csv|agencies|escalations|deadlines|summary)(/|\\?|$)':
        'http://127.0.0.1:3000',
    },
  },
});
