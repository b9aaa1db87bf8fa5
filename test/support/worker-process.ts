import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { PROJECT_ROOT, processEnvironment } from '../../config/environment';

/** The core worker (apps/worker/src/main.ts) running as a real child process, as in production. */
export interface WorkerProcess {
  readonly pid: number;
  /** Resolves once the worker has connected and started polling its task queue. */
  readonly polling: Promise<void>;
  /** SIGKILL: no drain, no goodbye; in-flight tasks are left to Temporal's timeouts. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the graceful exit. */
  stop(): Promise<void>;
}

/**
 * Start the core worker's own entry point with ts-node, pointed at `temporalAddress` and
 * `databaseUrl`. `workflowBundlePath` (the global setup's prebuilt bundle) spares it bundling
 * the workflows on every restart.
 */
export function spawnCoreWorker(opts: {
  temporalAddress: string;
  databaseUrl: string;
  workflowBundlePath: string;
  /** More environment for the worker (e.g. AUDIT_HASH_CHAIN). */
  env?: Record<string, string>;
  log?: (line: string) => void;
}): WorkerProcess {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      'apps/worker/src/main.ts',
    ],
    {
      cwd: PROJECT_ROOT,
      env: {
        ...processEnvironment(),
        TS_NODE_PROJECT: path.join(PROJECT_ROOT, 'tsconfig.json'),
        DATABASE_URL: opts.databaseUrl,
        TEMPORAL_ADDRESS: opts.temporalAddress,
        WORKFLOW_BUNDLE_PATH: opts.workflowBundlePath,
        // Health and metrics on ports the OS picks: several workers (and other runs) may share
        // the machine.
        WORKER_HEALTH_PORT: '0',
        WORKER_METRICS_PORT: '0',
        // The tests' global setup quiets logs to errors; this helper waits for the info line.
        LOG_LEVEL: 'info',
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const output: string[] = [];
  const polling = new Promise<void>((resolve, reject) => {
    // A long JSON log line may arrive in two chunks: each stream keeps its unfinished line.
    const reader = () => {
      let partial = '';
      return (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        lines.filter(Boolean).forEach(onLine);
      };
    };
    const onLine = (line: string) => {
      output.push(line);
      if (output.length > 40) output.shift();
      opts.log?.(line);
      // Plain or JSON log line (runWorkerProcess logs `worker polling <queue>`).
      if (line.includes('worker polling')) resolve();
    };
    child.stdout?.on('data', reader());
    child.stderr?.on('data', reader());
    child.once('exit', (code, signal) =>
      reject(new Error(`worker exited (${code ?? signal}) before polling:\n${output.join('\n')}`)),
    );
  });
  // A kill before the worker got going is expected in these tests, not an unhandled rejection.
  polling.catch(() => undefined);
  return {
    pid: child.pid!,
    polling,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
