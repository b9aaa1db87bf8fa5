import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { loadEnvironment } from '../../config/environment';
import { runMigrations } from '../../libs/persistence/src/migrate';
import { startDevServer } from '../../libs/temporal/src/dev-server/dev-server';
import { generateCodecKey } from '../../libs/temporal/src/codec/aes-gcm-payload-codec';
import { generateAuditSigningKey } from '../../libs/persistence/src/audit/audit-verification';
import { configureTestAuth } from './auth';
import { createScratchDatabase, quietBundlerLogger } from './scratch-database';
import { freePort, newTestRunFile, type TestRun } from './test-run';

/**
 * Starts what the integration tests need, once: a real Temporal dev server (found or built by
 * the same script `npm start` uses; in memory), a fresh database on the real PostgreSQL at
 * DATABASE_URL (else an embedded one), migrations, and the workflow bundle.
 */
export default async function globalSetup(): Promise<void> {
  const env = loadEnvironment();
  const stops: (() => Promise<void>)[] = [];
  (globalThis as Record<string, unknown>).__reviewEngineStops = stops;

  const temporal = await startDevServer({
    port: await freePort(),
    headless: true,
    log: (l) => process.stderr.write(`[temporal] ${l}\n`),
  });
  stops.push(() => temporal.stop());

  const database = await createScratchDatabase('test', env.DATABASE_URL);
  stops.push(() => database.drop());
  const databaseUrl = database.url;
  await runMigrations(databaseUrl);

  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: quietBundlerLogger,
  });
  const workflowBundlePath = path.join(
    os.tmpdir(),
    `review-engine-workflows-${process.pid}-${Date.now()}.js`,
  );
  fs.writeFileSync(workflowBundlePath, bundle.code);
  stops.push(async () => fs.rmSync(workflowBundlePath, { force: true }));

  const run: TestRun = { temporalAddress: temporal.address, databaseUrl, workflowBundlePath };
  const runFile = newTestRunFile();
  fs.writeFileSync(runFile, JSON.stringify(run));
  stops.push(async () => fs.rmSync(runFile, { force: true }));
  // Test files build the API and workers from the environment, like the real apps do.
  process.env.DATABASE_URL = databaseUrl;
  process.env.TEMPORAL_ADDRESS = temporal.address;
  process.env.TEMPORAL_NAMESPACE = 'default';
  // JSON request logs of the in-process API would drown Jest's output; errors still show.
  process.env.LOG_LEVEL ??= 'error';
  // Every client and worker in the tests encrypts payloads, as in production.
  process.env.PAYLOAD_CODEC_KEYS ??= generateCodecKey('test');
  // Tokens signed by a key of this run (test/support/auth.ts); audit checkpoints signed too.
  await configureTestAuth();
  process.env.AUDIT_SIGNING_KEY ??= generateAuditSigningKey();
  // The rate limit has its own test; the others send many requests from one address.
  process.env.RATE_LIMIT_MAX ??= '1000000';
  process.env.RATE_LIMIT_MAX_PER_CLIENT ??= '1000000';
}
