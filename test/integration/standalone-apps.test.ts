import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../config/environment';
import { tokenFor } from '../support/auth';
import { IntakeFactory } from '../support/factories';
import { eventually } from '../support/harness';
import { freePort, readTestRun } from '../support/test-run';

/**
 * Each app as production runs it: `node dist/apps/<app>/src/main.js`, alone, configured only by
 * its environment (NODE_ENV=production), against the test run's Temporal dev server and database.
 * Checks health, metrics, JSON logs with ids and without secrets, and that SIGTERM drains and
 * exits 0. Builds dist/ first when it is missing or older than the sources.
 */
const APPS = ['api', 'worker', 'agency-worker'] as const;
type AppName = (typeof APPS)[number];
const entry = (app: AppName) => path.join(PROJECT_ROOT, 'dist', 'apps', app, 'src', 'main.js');

interface RunningApp {
  child: ChildProcess;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const item of fs.readdirSync(dir, { withFileTypes: true })) {
    if (item.name === 'node_modules' || item.name === 'dashboard') continue;
    const full = path.join(dir, item.name);
    if (item.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (item.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

function ensureBuild(): void {
  const sources = Math.max(
    ...['apps', 'libs', 'workflows', 'activities', 'config'].map((d) =>
      newestSource(path.join(PROJECT_ROOT, d)),
    ),
  );
  const stale = APPS.some(
    (app) => !fs.existsSync(entry(app)) || fs.statSync(entry(app)).mtimeMs < sources,
  );
  if (!stale) return;
  // One `nest build` compiles every app and library (tsconfig.build.json covers them all).
  execFileSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build', 'api'], {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
  });
}

function start(app: AppName, env: NodeJS.ProcessEnv): RunningApp {
  const child = spawn(process.execPath, [entry(app)], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buffered = '';
  const collect = (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, lines, exited };
}

const json = (lines: string[]) =>
  lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });

describe('standalone apps from the build output', () => {
  const run = readTestRun();
  const apps = {} as Record<AppName, RunningApp>;
  const ports = { api: 0, workerHealth: 0, workerMetrics: 0, agencyHealth: 0, agencyMetrics: 0 };
  const secrets = {
    modelApiKey: `sk-standalone-${randomUUID()}`,
    // Real tokens (signed with the test run's key, which the API's AUTH_PUBLIC_KEYS trusts):
    // they must work, and never appear in any log line.
    bearer: '',
    operatorBearer: '',
    codecKey: process.env.PAYLOAD_CODEC_KEYS!.split(',')[0].split(':')[1],
  };
  const api = (p: string, init?: RequestInit) => fetch(`http://127.0.0.1:${ports.api}${p}`, init);
  const scrape = async () =>
    (
      await api('/metrics', { headers: { authorization: `Bearer ${secrets.operatorBearer}` } })
    ).text();

  // A stand-in OpenTelemetry collector: what the apps export over OTLP/HTTP.
  const otlp = { server: http.createServer(), bodies: [] as string[], port: 0 };

  beforeAll(async () => {
    ensureBuild();
    secrets.bearer = await tokenFor('coordinator');
    secrets.operatorBearer = await tokenFor('operator');
    otlp.server.on('request', (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url === '/v1/traces') otlp.bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    otlp.port = await freePort();
    await new Promise<void>((resolve) => otlp.server.listen(otlp.port, '127.0.0.1', resolve));
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    const base: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: run.databaseUrl,
      TEMPORAL_ADDRESS: run.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      // Its own engine queue, so readiness depends on this test's worker alone.
      TEMPORAL_TASK_QUEUE: `standalone-${randomUUID()}`,
      API_HOST: '127.0.0.1',
      API_PORT: String(ports.api),
      WORKER_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlp.port}`,
    };
    apps.worker = start('worker', {
      ...base,
      LOG_LEVEL: 'debug',
      WORKER_HEALTH_PORT: String(ports.workerHealth),
      WORKER_METRICS_PORT: String(ports.workerMetrics),
    });
    apps['agency-worker'] = start('agency-worker', {
      ...base,
      WORKER_HEALTH_PORT: String(ports.agencyHealth),
      WORKER_METRICS_PORT: String(ports.agencyMetrics),
    });
    apps.api = start('api', base);
  }, 300_000);

  afterAll(async () => {
    otlp.server.close();
    for (const app of Object.values(apps)) {
      if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGKILL');
    }
  });

  const ready = (url: string, what: string) =>
    eventually(
      async () => ((await fetch(url).catch(() => undefined))?.status === 200 ? true : undefined),
      what,
      90_000,
    );

  it('each app becomes ready on its own health endpoint', async () => {
    await ready(`http://127.0.0.1:${ports.workerHealth}/health/ready`, 'core worker ready');
    await ready(`http://127.0.0.1:${ports.agencyHealth}/health/ready`, 'agency worker ready');
    await ready(`http://127.0.0.1:${ports.api}/health/ready`, 'API ready');
    expect((await api('/health/live')).status).toBe(200);
  }, 120_000);

  it('workers expose the Temporal SDK metrics; the API its HTTP and read-model metrics', async () => {
    const workerMetrics = await (
      await fetch(`http://127.0.0.1:${ports.workerMetrics}/metrics`)
    ).text();
    expect(workerMetrics).toMatch(/^temporal_\w+\{.*task_queue="standalone-/m);
    const agencyMetrics = await (
      await fetch(`http://127.0.0.1:${ports.agencyMetrics}/metrics`)
    ).text();
    expect(agencyMetrics).toMatch(/^temporal_\w+\{.*task_queue="agency-caisi"/m);

    const created = await api('/reviews', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secrets.bearer}` },
      body: JSON.stringify(
        IntakeFactory.body({
          protocolKey: 'quick-check',
          accessArrangement: {
            type: 'hosted_endpoint',
            endpointUrl: 'https://models.example.com/v1',
            apiKey: secrets.modelApiKey,
          },
        }),
      ),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    // The worker from the build runs the workflow and projects it: the read model shows it.
    await eventually(async () => {
      const res = await api(`/reviews/${id}`, {
        headers: { authorization: `Bearer ${secrets.bearer}` },
      });
      return res.status === 200 ? true : undefined;
    }, 'the review in the read model');

    const metrics = await scrape();
    expect(metrics).toMatch(
      /^http_request_duration_seconds_count\{method="POST",route="\/reviews",status_code="201"\} 1$/m,
    );
    expect(metrics).toMatch(/^http_request_duration_seconds_bucket\{.*route="\/reviews\/:id"/m);
    const open = [...metrics.matchAll(/^review_engine_open_reviews\{stage="(\w+)"\} (\d+)$/gm)];
    expect(open.length).toBeGreaterThan(0);
    expect(open.reduce((sum, m) => sum + Number(m[2]), 0)).toBeGreaterThanOrEqual(1);
    // An escalation raised by hand shows in the escalation gauge at the next scrape.
    const openEscalations = async () =>
      [...(await scrape()).matchAll(/^review_engine_open_escalations\{[^}]*\} (\d+)$/gm)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    const before = await openEscalations();
    const raised = await api(`/reviews/${id}/escalations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secrets.bearer}` },
      body: JSON.stringify({
        subject: 'No access to the endpoint',
        reason: 'Blocked for two days',
      }),
    });
    expect(raised.status).toBe(200);
    await eventually(
      async () => ((await openEscalations()) === before + 1 ? true : undefined),
      'the escalation gauge to count the new escalation',
    );

    // JSON logs: the request line carries the id the response echoed, and the review's ids.
    const res = await api(`/reviews/${id}`, {
      headers: { authorization: `Bearer ${secrets.bearer}` },
    });
    const requestId = res.headers.get('x-request-id');
    const line = await eventually(
      async () => json(apps.api.lines).find((l) => (l.req as { id?: string })?.id === requestId),
      'the request log line',
    );
    expect(line).toMatchObject({
      service: 'api',
      msg: 'request completed',
      reviewId: id,
      workflowId: `review-${id}`,
      res: { statusCode: 200 },
    });
    // The worker's lines about this review carry its review id next to the workflow id.
    await eventually(
      async () =>
        json(apps.worker.lines).find(
          (l) => l.reviewId === id && l.workflowId === `review-${id}` && l.service === 'worker',
        ),
      "a worker log line with the review's ids",
    );
  }, 120_000);

  it('SIGTERM: the API finishes an in-flight request, every app drains and exits 0', async () => {
    // A request whose body is still arriving when SIGTERM lands must still get its answer.
    const body = JSON.stringify(IntakeFactory.body({ protocolKey: 'no-such-protocol' }));
    const answered = new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: ports.api,
          path: '/reviews',
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${secrets.bearer}`,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 20));
      setTimeout(() => {
        apps.api.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(20)), 500);
      }, 200);
    });
    expect(await answered).toBeGreaterThanOrEqual(400); // unknown protocol: a 4xx, not a reset
    expect(await answered).toBeLessThan(500);
    expect(await apps.api.exited).toEqual({ code: 0, signal: null });

    apps.worker.child.kill('SIGTERM');
    apps['agency-worker'].child.kill('SIGTERM');
    expect(await apps.worker.exited).toEqual({ code: 0, signal: null });
    expect(await apps['agency-worker'].exited).toEqual({ code: 0, signal: null });
    expect(json(apps.worker.lines).some((l) => l.msg === 'worker drained and stopped')).toBe(true);
    expect(json(apps.api.lines).some((l) => l.msg === 'API stopped')).toBe(true);

    // Tracing was on: each app flushed its spans to the collector before exiting, workflow
    // spans included (they come from the workflow sandbox through the worker).
    const exported = otlp.bodies.join('\n');
    for (const expected of [
      'review-engine-api',
      'review-engine-worker',
      'POST /reviews',
      'UpdateWithStartWorkflow:projected',
      'RunActivity:projectReview',
      'StartChildWorkflow:workstreamWorkflow',
    ]) {
      expect(exported).toContain(expected);
    }
  }, 120_000);

  it('no secret reached any log line', () => {
    const everything = APPS.flatMap((app) => apps[app].lines).join('\n');
    expect(everything.length).toBeGreaterThan(1000);
    for (const secret of Object.values(secrets)) expect(everything).not.toContain(secret);
    // Every line the apps wrote is structured JSON.
    for (const app of APPS) {
      const plain = apps[app].lines.filter((l) => !l.startsWith('{'));
      expect({ app, plain }).toEqual({ app, plain: [] });
    }
  });
});
