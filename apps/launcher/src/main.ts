import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  environment,
  processEnvironment,
  PROJECT_ROOT,
  type EnvironmentVariables,
} from '@engine/config/environment';
import {
  generateAuditSigningKey,
  runMigrations,
  startEmbeddedPostgres,
  type EmbeddedPostgresHandle,
} from '@engine/persistence';
import { temporalTarget } from '@engine/temporal/connection';
import { generateCodecKey } from '@engine/temporal/codec/aes-gcm-payload-codec';
import {
  generateDevSigningKey,
  signDevToken,
  type DevSigningKey,
} from '../../api/src/auth/dev-signing-key';
import {
  startDevServer,
  waitForTemporal,
  type RunningDevServer,
} from '@engine/temporal/dev-server/dev-server';

/**
 * `npm start`: one command for a whole local stack. Starts (or reuses) a Temporal dev server and
 * PostgreSQL with their data under .data/, migrates, then runs the worker, the reference agency
 * worker and the API as child processes, and stops everything on Ctrl-C.
 */
const APPS = [
  { name: 'worker', entry: 'apps/worker/src/main.ts', portOffset: 0 },
  // Its own health and metrics ports: the next ones after the core worker's.
  { name: 'agency-worker', entry: 'apps/agency-worker/src/main.ts', portOffset: 1 },
  { name: 'api', entry: 'apps/api/src/main.ts', portOffset: 0 },
];

const say = (line: string) => process.stdout.write(`[start] ${line}\n`);

async function main(): Promise<void> {
  const started = Date.now();
  const env = environment();
  const stops: (() => Promise<void>)[] = [];
  const children: ChildProcess[] = [];
  let stopping = false;

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    await Promise.all(children.map((c) => stopChild(c)));
    for (const stop of stops.reverse())
      await stop().catch((e: unknown) => say(`stop failed: ${String(e)}`));
    say('stopped');
    process.exit(code);
  };
  // Last resort when something else ends the process first: no child outlives the launcher.
  process.on('exit', () => children.forEach((c) => c.exitCode === null && c.kill('SIGTERM')));
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    let temporal: RunningDevServer | undefined;
    let temporalUi: string | undefined = `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`;
    // A TLS or API-key target is a real cluster or Temporal Cloud: never start a dev server for it.
    const secured = temporalTarget(env).tls !== undefined;
    const answering =
      secured ||
      (await waitForTemporal(env.TEMPORAL_ADDRESS, 1_500).then(
        () => true,
        () => false,
      ));
    if (answering) {
      say(`using the Temporal server already at ${env.TEMPORAL_ADDRESS}`);
    } else {
      const port = Number(env.TEMPORAL_ADDRESS.split(':').pop());
      say(
        `starting a Temporal dev server on ${env.TEMPORAL_ADDRESS} (data in ${path.join(env.DATA_DIR, 'temporal')})`,
      );
      temporal = await startDevServer({
        port,
        uiPort: env.TEMPORAL_UI_PORT,
        dbFile: path.join(env.DATA_DIR, 'temporal', 'temporal.db'),
        namespace: env.TEMPORAL_NAMESPACE,
      });
      temporalUi = temporal.uiUrl;
      stops.push(() => temporal!.stop());
    }

    let databaseUrl = env.DATABASE_URL;
    let pg: EmbeddedPostgresHandle | undefined;
    if (!databaseUrl) {
      say(
        `starting embedded PostgreSQL on port ${env.EMBEDDED_POSTGRES_PORT} (data in ${path.join(env.DATA_DIR, 'postgres')})`,
      );
      pg = await startEmbeddedPostgres({
        dataDir: path.join(env.DATA_DIR, 'postgres'),
        port: env.EMBEDDED_POSTGRES_PORT,
        log: say,
      });
      databaseUrl = pg.url;
      stops.push(() => pg!.stop());
    }
    const applied = await runMigrations(databaseUrl);
    say(
      applied.length
        ? `applied migrations: ${applied.join(', ')}`
        : 'database schema is up to date',
    );

    const devKey =
      env.AUTH_PUBLIC_KEYS || env.AUTH_JWKS_URL ? undefined : await localSigningKey(env.DATA_DIR);
    const childEnv = {
      ...processEnvironment(),
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
      PAYLOAD_CODEC_KEYS: env.PAYLOAD_CODEC_KEYS ?? localCodecKey(env.DATA_DIR),
      AUDIT_SIGNING_KEY: env.AUDIT_SIGNING_KEY ?? localAuditKey(env.DATA_DIR),
      ...(devKey ? { AUTH_PUBLIC_KEYS: JSON.stringify(devKey.jwks) } : {}),
    };
    for (const app of APPS) {
      const child = spawn(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', app.entry],
        {
          cwd: PROJECT_ROOT,
          env: {
            ...childEnv,
            WORKER_HEALTH_PORT: String(
              env.WORKER_HEALTH_PORT && env.WORKER_HEALTH_PORT + app.portOffset,
            ),
            WORKER_METRICS_PORT: String(
              env.WORKER_METRICS_PORT && env.WORKER_METRICS_PORT + app.portOffset,
            ),
            TS_NODE_PROJECT: path.join(PROJECT_ROOT, 'tsconfig.json'),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      prefix(child, app.name);
      child.once('exit', (code, signal) => {
        if (!stopping) {
          say(`${app.name} exited (${code ?? signal}); stopping the stack`);
          void shutdown(1);
        }
      });
      children.push(child);
    }

    const apiUrl = `http://${env.API_HOST}:${env.API_PORT}`;
    await waitForHealth(`${apiUrl}/health`, 120_000);
    say(`healthy in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    process.stdout.write(
      [
        '',
        `  API            ${apiUrl}`,
        `  OpenAPI docs   ${apiUrl}/docs   (JSON: ${apiUrl}/docs-json)`,
        `  Health         ${apiUrl}/health/ready   (live: ${apiUrl}/health/live)`,
        `  Metrics        ${apiUrl}/metrics`,
        `  Worker health  http://${env.WORKER_HOST}:${env.WORKER_HEALTH_PORT}/health/ready   (agency worker: port ${env.WORKER_HEALTH_PORT + 1})`,
        `  Temporal UI    ${temporalUi ?? '(external server)'}`,
        `  Temporal gRPC  ${env.TEMPORAL_ADDRESS}`,
        `  PostgreSQL     ${redact(databaseUrl)}`,
        '',
        ...(devKey ? await devTokenLines(devKey, env) : []),
        '  Press Ctrl-C to stop everything.',
        '',
      ].join('\n'),
    );
  } catch (err) {
    say(`failed: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
  }
}

function prefix(child: ChildProcess, name: string): void {
  const pipe = (stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream) => {
    let buffered = '';
    stream?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) out.write(`[${name}] ${line}\n`);
    });
  };
  pipe(child.stdout, process.stdout);
  pipe(child.stderr, process.stderr);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not report healthy within ${timeoutMs / 1000} s`);
}

/**
 * The payload key of a local stack: generated once into .data/ (readable by this user only) and
 * reused, so workflows started before a restart can still be decrypted after it.
 */
function localCodecKey(dataDir: string): string {
  const file = path.join(dataDir, 'payload-codec.keys');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, generateCodecKey('local-1'), { mode: 0o600 });
    say(`generated a payload encryption key in ${file}`);
  }
  return fs.readFileSync(file, 'utf8').trim();
}

/** The local stack's token signing key (development only): generated once into .data/auth/. */
async function localSigningKey(dataDir: string): Promise<DevSigningKey> {
  const file = path.join(dataDir, 'auth', 'signing-key.json');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, JSON.stringify(await generateDevSigningKey('local-dev-1')), {
      mode: 0o600,
    });
    say(`generated a development token signing key in ${file}`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as DevSigningKey;
}

/** The Ed25519 key that signs audit checkpoints of a local stack, generated once into .data/. */
function localAuditKey(dataDir: string): string {
  const file = path.join(dataDir, 'audit-signing.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, generateAuditSigningKey(), { mode: 0o600 });
    say(`generated an audit checkpoint signing key in ${file}`);
  }
  return fs.readFileSync(file, 'utf8').trim();
}

/** One seeded user per role; their tokens are printed and kept in .data/auth/dev-tokens.txt. */
const DEV_USERS = [
  { sub: 'dana@example.com', role: 'developer' },
  { sub: 'analyst@caisi.example.gov', role: 'agency-analyst', agency: 'caisi' },
  { sub: 'lead@caisi.example.gov', role: 'agency-lead', agency: 'caisi' },
  { sub: 'director@nsa.example.gov', role: 'agency-lead', agency: 'nsa' },
  { sub: 'coordinator@ostp.example.gov', role: 'coordinator' },
  { sub: 'operator@example.gov', role: 'operator' },
  { sub: 'auditor@example.gov', role: 'auditor' },
];

async function devTokenLines(key: DevSigningKey, env: EnvironmentVariables): Promise<string[]> {
  const lines = [
    "  Development tokens (12 h; Authorization: Bearer <token>, or the dashboard's Token field):",
  ];
  const file: string[] = [];
  for (const user of DEV_USERS) {
    const token = await signDevToken(key.privateJwk, user, {
      issuer: env.AUTH_ISSUER,
      audience: env.AUTH_AUDIENCE,
      expiresIn: '12h',
    });
    const who = `${user.role}${user.agency ? ` (${user.agency})` : ''} ${user.sub}`;
    lines.push(`    ${who}`, `      ${token}`);
    file.push(`# ${who}`, token);
  }
  const tokensFile = path.join(env.DATA_DIR, 'auth', 'dev-tokens.txt');
  fs.writeFileSync(tokensFile, `${file.join('\n')}\n`, { mode: 0o600 });
  lines.push(`  (also in ${tokensFile})`, '');
  return lines;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}

void main();
