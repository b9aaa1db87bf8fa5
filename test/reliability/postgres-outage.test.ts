import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runMigrations } from '../../libs/persistence/src/migrate';
import type { ReviewState } from '../../libs/domain/src/review/review.types';
import { IntakeFactory, noopAgencyActivities, ProtocolFactory, uniq } from '../support/factories';
import { eventually, startHarness, type Harness } from '../support/harness';
import { apiClient } from '../support/http';
import { readModelDifferences } from '../support/read-model';
import { startReview, type ReviewHandle } from '../support/reviews';
import { spawnEmbeddedPostgres } from '../support/postgres-process';
import { freePort } from '../support/test-run';

const OUTAGE_MS = 30_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Issue #8, fault 4: the read model's PostgreSQL (an embedded one this test owns, on its own
 * port) stops for 30 s while reviews run. Projection activities fail and back off; the API
 * answers 503 with a request id instead of 500; once PostgreSQL is back everything converges.
 */
describe('PostgreSQL stopped for 30 seconds', () => {
  let dir: string;
  let port: number;
  let pg: Awaited<ReturnType<typeof spawnEmbeddedPostgres>>;
  let h: Harness;
  const savedUrl = process.env.DATABASE_URL;
  const api = apiClient(() => h.api!.url);
  const protocol = ProtocolFactory.defaultShape()
    .withoutStage('intake')
    .withoutStage('designation')
    .allAutomated()
    .build();
  const start = () => spawnEmbeddedPostgres({ dataDir: path.join(dir, 'data'), port });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'review-engine-pg-outage-'));
    // PostgreSQL runs as the `postgres` user when we are root: it must reach the folder.
    fs.chmodSync(dir, 0o755);
    port = await freePort();
    pg = await start();
    // The API reads its database from the environment, like the real app; set it before
    // anything reads (and caches) the environment.
    process.env.DATABASE_URL = pg.url;
    await runMigrations(pg.url);
    h = await startHarness({ api: true, run: { databaseUrl: pg.url } });
    await h.publishProtocol(protocol);
    for (const [agency, activities] of noopAgencyActivities(protocol, () => 500)) {
      await h.addAgencyWorker(agency, activities);
    }
  });

  afterAll(async () => {
    await h?.close();
    await pg?.stop();
    process.env.DATABASE_URL = savedUrl;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 with a request id while it is down, retries projections, and converges', async () => {
    const before: ReviewHandle[] = [];
    for (let i = 0; i < 5; i++) before.push(await startReview(h.client, protocol));
    await eventually(async () => {
      const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM reviews`);
      return n >= 5 ? n : undefined;
    }, 'the first reviews projected');

    await pg.stop();
    const downAt = Date.now();
    // Reviews started during the outage run in Temporal; only their projection has to wait.
    const during: ReviewHandle[] = [];
    for (let i = 0; i < 5; i++) during.push(await startReview(h.client, protocol));

    const intake = IntakeFactory.body({ protocolKey: protocol.key, idempotencyKey: uniq() });
    const statuses = new Set<number>();
    let sample:
      { status: number; header: string | null; body: Record<string, unknown> } | undefined;
    while (Date.now() - downAt < OUTAGE_MS - 3000) {
      for (const res of await Promise.all([
        api.get('/reviews'),
        api.get(`/reviews/${before[0].workflowId.replace(/^review-/, '')}`),
        api.post('/reviews', intake),
      ])) {
        statuses.add(res.status);
        sample ??= {
          status: res.status,
          header: res.headers.get('x-request-id'),
          body: (await res.json()) as Record<string, unknown>,
        };
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect([...statuses]).toEqual([503]);
    expect(sample!.body).toMatchObject({ statusCode: 503, code: 'DEPENDENCY_UNAVAILABLE' });
    expect(sample!.body.requestId).toMatch(UUID);
    expect(sample!.header).toBe(sample!.body.requestId);

    // The projection activities of the reviews started during the outage failed and back off.
    const pending = await eventually(async () => {
      const { raw } = await during[0].describe();
      const projection = raw.pendingActivities?.find(
        (a) => a.activityType?.name === 'projectReview',
      );
      return projection && (projection.attempt ?? 0) >= 2 ? projection : undefined;
    }, 'a retried projection');
    expect(pending.lastFailure?.message).toBeTruthy();

    await new Promise((r) => setTimeout(r, Math.max(0, downAt + OUTAGE_MS - Date.now())));
    pg = await start();

    // The intake the API refused with 503 succeeds when the client retries it.
    const retried = await eventually(async () => {
      const res = await api.post('/reviews', intake);
      return res.ok ? ((await res.json()) as { id: string }) : undefined;
    }, 'the intake accepted after the outage');
    const handles = [
      ...before,
      ...during,
      h.client.workflow.getHandle(`review-${retried.id}`),
    ] as ReviewHandle[];
    const finals: ReviewState[] = await Promise.all(handles.map((x) => x.result()));
    expect(finals.map((s) => s.closure?.reason)).toEqual(handles.map(() => 'completed'));

    const differences: string[] = [];
    for (const state of finals) differences.push(...(await readModelDifferences(h.db, state)));
    expect(differences).toEqual([]);
    const list = await api.get('/reviews?limit=100');
    expect(list.status).toBe(200);
    const ids = ((await list.json()) as { items: { id: string }[] }).items.map((r) => r.id);
    expect(ids.sort()).toEqual(finals.map((s) => s.reviewId).sort());
  });
});
