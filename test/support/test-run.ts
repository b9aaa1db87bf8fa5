import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** What the global setup started, shared with every test file through a small JSON file. */
export interface TestRun {
  temporalAddress: string;
  databaseUrl: string;
  workflowBundlePath: string;
}

export const TEST_RUN_FILE = path.join(
  os.tmpdir(),
  `review-engine-test-run-${process.getuid?.() ?? 0}.json`,
);

export function readTestRun(): TestRun {
  return JSON.parse(fs.readFileSync(TEST_RUN_FILE, 'utf8')) as TestRun;
}
