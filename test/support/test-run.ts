import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** What the global setup started, shared with every test file through a small JSON file. */
export interface TestRun {
  temporalAddress: string;
  databaseUrl: string;
  workflowBundlePath: string;
}

/** Set by the global setup; one file per jest run, so two runs on one machine do not collide. */
const RUN_FILE_VARIABLE = 'REVIEW_ENGINE_TEST_RUN';

export function newTestRunFile(): string {
  const file = path.join(os.tmpdir(), `review-engine-test-run-${process.pid}-${Date.now()}.json`);
  process.env[RUN_FILE_VARIABLE] = file;
  return file;
}

export function readTestRun(): TestRun {
  const file = process.env[RUN_FILE_VARIABLE];
  if (!file) {
    throw new Error(
      `${RUN_FILE_VARIABLE} is not set: run integration tests through jest (global setup)`,
    );
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as TestRun;
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
