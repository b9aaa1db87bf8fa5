import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '@engine/config/environment';

/** Where `npm run build:dashboard` writes the coordinator page. */
export const DASHBOARD_DIR = path.join(PROJECT_ROOT, 'dist', 'dashboard');

/**
 * Serve the built dashboard under /dashboard/ when it has been built; without a build the API
 * runs as before (the page is optional, the API is not).
 */
export function serveDashboard(app: NestFastifyApplication, dir = DASHBOARD_DIR): boolean {
  if (!fs.existsSync(path.join(dir, 'index.html'))) return false;
  // Files under /dashboard/; the prefix without its slash makes /dashboard redirect there.
  app.useStaticAssets({ root: dir, prefix: '/dashboard', redirect: true });
  return true;
}
