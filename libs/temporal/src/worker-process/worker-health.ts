import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NativeConnection, Worker } from '@temporalio/worker';

export interface WorkerHealthServer {
  /** The port it listens on (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

interface Check {
  status: 'up' | 'down';
  [detail: string]: unknown;
}

/**
 * A worker process's health endpoint, in the shape @nestjs/terminus gives the API:
 * `GET /health/live` is 200 unless the worker has failed (restart the process);
 * `GET /health/ready` is 200 while the worker runs and its Temporal connection answers.
 */
export async function serveWorkerHealth(opts: {
  worker: Worker;
  connection: NativeConnection;
  host: string;
  port: number;
}): Promise<WorkerHealthServer> {
  const workerCheck = (): Check => {
    const state = opts.worker.getState();
    return { status: state === 'RUNNING' ? 'up' : 'down', state };
  };
  const temporalCheck = async (): Promise<Check> => {
    try {
      await withTimeout(opts.connection.healthService.check({}), 3000);
      return { status: 'up' };
    } catch (err) {
      return { status: 'down', message: err instanceof Error ? err.message : String(err) };
    }
  };
  const report = (checks: Record<string, Check>) => {
    const down = Object.entries(checks).filter(([, c]) => c.status === 'down');
    return {
      code: down.length ? 503 : 200,
      body: {
        status: down.length ? 'error' : 'ok',
        info: Object.fromEntries(Object.entries(checks).filter(([, c]) => c.status === 'up')),
        error: Object.fromEntries(down),
        details: checks,
      },
    };
  };

  const server = http.createServer((req, res) => {
    const send = ({ code, body }: { code: number; body: unknown }) => {
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return send({ code: 405, body: { message: 'GET only' } });
    if (path === '/health/live') {
      const worker = workerCheck();
      const failed = worker.state === 'FAILED';
      return send(report({ worker: { ...worker, status: failed ? 'down' : 'up' } }));
    }
    if (path === '/health/ready' || path === '/health') {
      void temporalCheck().then((temporal) => send(report({ worker: workerCheck(), temporal })));
      return;
    }
    send({ code: 404, body: { message: `no route ${path}; try /health/live or /health/ready` } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
