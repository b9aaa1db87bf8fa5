import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../libs/persistence/src/embedded-postgres';
import { freePort } from './test-run';

export interface ScratchDatabase {
  url: string;
  /** Drops the database (or stops and removes the embedded cluster). */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one test run, recording or benchmark: created on the server at
 * `adminUrl` when given (the machine's PostgreSQL), else an embedded PostgreSQL in a temp folder.
 */
export async function createScratchDatabase(
  purpose: string,
  adminUrl: string | undefined,
): Promise<ScratchDatabase> {
  if (adminUrl) {
    const name = `review_engine_${purpose}_${Date.now()}_${process.pid}`;
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      async drop() {
        const c = new Client({ connectionString: adminUrl });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `review-engine-${purpose}-pg-`));
  // PostgreSQL runs as the `postgres` user when we are root: it must reach the folder.
  fs.chmodSync(dir, 0o755);
  const pg = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'data'),
    port: await freePort(),
  });
  return {
    url: pg.url,
    async drop() {
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A logger for Temporal's workflow bundler that reports errors only. */
export const quietBundlerLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: console.error,
  debug: () => undefined,
  trace: () => undefined,
  log: () => undefined,
};
