import { tokenFor } from '../support/auth';
import { apiClient } from '../support/http';
import { IntakeFactory, ProtocolFactory, uniq } from '../support/factories';
import { eventually, startHarness, type Harness } from '../support/harness';

/** The first vertical slice through the HTTP API, the real Temporal server and PostgreSQL. */
describe('review slice: intake → finding → closed', () => {
  let h: Harness;
  let url: string;
  const protocol = ProtocolFactory.singleStep().build();
  const agency = protocol.workstreams[0].agency;

  const { get, post } = apiClient(() => url);
  const analyst = () => tokenFor('agency-analyst', { agency, sub: 'analyst@agency.example.gov' });

  beforeAll(async () => {
    h = await startHarness({ api: true });
    url = h.api!.url;
    await h.publishProtocol(protocol);
  });
  afterAll(() => h.close());

  it('reports PostgreSQL and Temporal healthy', async () => {
    const res = await get('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, temporal: { status: 'up' } },
    });
  });

  it('serves OpenAPI generated from the DTOs', async () => {
    const doc = (await (await get('/docs-json')).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/reviews', '/reviews/{id}', '/reviews/{id}/findings', '/health']),
    );
    expect(doc.components.schemas).toHaveProperty('CreateReviewDto');
    // A finding is answered with a receipt of the step, not the review detail.
    const findings = doc.paths['/reviews/{id}/findings'] as {
      post: { responses: Record<string, { content: Record<string, { schema: unknown }> }> };
    };
    expect(findings.post.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/FindingReceiptDto',
    });
  });

  it('takes a review from intake to closed and keeps its timeline and audit', async () => {
    const created = await post('/reviews', IntakeFactory.body({ protocolKey: protocol.key }));
    expect(created.status).toBe(201);
    const review = (await created.json()) as {
      id: string;
      workflowId: string;
      status: string;
      stage: string;
      workstreams: { agency: string; steps: { stepId: string; status: string }[] }[];
    };
    expect(review.workflowId).toBe(`review-${review.id}`);
    expect(review.stage).toBe('assessment');

    // The step opens once the child workstream reports in.
    await eventually(async () => {
      const r = (await (await get(`/reviews/${review.id}`)).json()) as typeof review;
      return r.workstreams[0].steps[0].status === 'open' ? r : undefined;
    }, 'the step to open');

    const finding = await post(
      `/reviews/${review.id}/findings`,
      {
        agency,
        stepId: 'review',
        riskLevel: 'alert',
        summary: 'Moderate uplift on web exploitation tasks',
      },
      analyst(),
    );
    expect(finding.status).toBe(200);
    // The answer is the step as the workstream recorded it, not the review detail.
    expect(await finding.json()).toEqual({
      reviewId: review.id,
      agency,
      step: expect.objectContaining({
        stepId: 'review',
        status: 'done',
        riskLevel: 'alert',
        summary: 'Moderate uplift on web exploitation tasks',
        submittedBy: 'analyst@agency.example.gov',
        completedAt: expect.any(String),
      }),
    });

    const closed = await eventually(async () => {
      const r = (await (await get(`/reviews/${review.id}`)).json()) as {
        status: string;
        closureReason?: string;
        determination?: string;
        timeline: { type: string; actor: string }[];
      };
      return r.status === 'closed' ? r : undefined;
    }, 'the review to close');
    expect(closed.closureReason).toBe('completed');
    expect(closed.determination).toBe('mitigations_recommended');
    expect(closed.timeline.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'review_submitted',
        'step_done',
        'determination_issued',
        'review_closed',
      ]),
    );
    expect(closed.timeline.find((e) => e.type === 'step_done')?.actor).toBe(
      'analyst@agency.example.gov',
    );

    const audit: { count: string }[] = await h.db.query(
      `SELECT count(*) FROM audit_log WHERE review_id = $1`,
      [review.id],
    );
    expect(Number(audit[0].count)).toBe(closed.timeline.length);

    // A finding for a closed review is a conflict, not a server error.
    const late = await post(
      `/reviews/${review.id}/findings`,
      {
        agency,
        stepId: 'review',
        riskLevel: 'low',
        summary: 'late',
      },
      analyst(),
    );
    expect(late.status).toBe(409);
    // The workstream has ended; the read model says why.
    expect(((await late.json()) as { message: string }).message).toMatch(
      /is closed \(completed\); findings are no longer accepted/,
    );

    const list = (await (
      await get(
        `/reviews?status=closed&q=${encodeURIComponent(closed ? (review as unknown as { modelName: string }).modelName : '')}`,
      )
    ).json()) as { items: { id: string }[] };
    expect(list.items.map((i) => i.id)).toContain(review.id);
  });

  it('returns the existing review for a repeated idempotency key', async () => {
    const idempotencyKey = `intake-${uniq()}`;
    const body = IntakeFactory.body({ protocolKey: protocol.key, idempotencyKey });
    const first = await post('/reviews', body);
    const second = await post('/reviews', body);
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    const [a, b] = (await Promise.all([first.json(), second.json()])) as { id: string }[];
    expect(b.id).toBe(a.id);
    const rows: { count: string }[] = await h.db.query(
      `SELECT count(*) FROM reviews WHERE idempotency_key = $1`,
      [idempotencyKey],
    );
    expect(Number(rows[0].count)).toBe(1);
  });

  it('rejects a bad intake with 400 naming each bad field, and writes nothing', async () => {
    const before: { count: string }[] = await h.db.query(`SELECT count(*) FROM reviews`);
    const res = await post('/reviews', {
      ...IntakeFactory.body(),
      contactEmail: 'not-an-email',
      plannedReleaseDate: '2027-02-30',
      accessArrangement: { type: 'carrier-pigeon' },
      unexpected: true,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      errors: { field: string; message: string }[];
      requestId: string;
    };
    const fields = body.errors.map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'contactEmail',
        'plannedReleaseDate',
        'accessArrangement.type',
        'unexpected',
      ]),
    );
    expect(body.requestId).toBeTruthy();
    const after: { count: string }[] = await h.db.query(`SELECT count(*) FROM reviews`);
    expect(after[0].count).toBe(before[0].count);
  });

  it('rejects findings that do not fit: unknown review 403/404, bad step or level 4xx', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    // An agency cannot tell a review it has no part in from one that does not exist.
    const missing = await post(
      `/reviews/${unknown}/findings`,
      { agency, stepId: 'review', riskLevel: 'low', summary: 's' },
      analyst(),
    );
    expect(missing.status).toBe(403);
    expect((await get(`/reviews/${unknown}`)).status).toBe(404);

    const created = (await (
      await post('/reviews', IntakeFactory.body({ protocolKey: protocol.key }))
    ).json()) as { id: string };
    await eventually(async () => {
      const r = (await (await get(`/reviews/${created.id}`)).json()) as {
        workstreams: { steps: { status: string }[] }[];
      };
      return r.workstreams[0].steps[0].status === 'open' ? true : undefined;
    }, 'the step to open');

    const unknownStep = await post(
      `/reviews/${created.id}/findings`,
      {
        agency,
        stepId: 'nope',
        riskLevel: 'low',
        summary: 's',
      },
      analyst(),
    );
    expect(unknownStep.status).toBe(422);
    expect(((await unknownStep.json()) as { message: string }).message).toMatch(/stepId/);

    const badLevel = await post(
      `/reviews/${created.id}/findings`,
      {
        agency,
        stepId: 'review',
        riskLevel: 'catastrophic',
        summary: 's',
      },
      analyst(),
    );
    expect(badLevel.status).toBe(400);

    const noRationale = await post(
      `/reviews/${created.id}/findings`,
      {
        agency,
        stepId: 'review',
        riskLevel: 'critical',
        summary: 's',
      },
      analyst(),
    );
    expect(noRationale.status).toBe(422);
    expect(((await noRationale.json()) as { errors: { field: string }[] }).errors[0].field).toBe(
      'rationale',
    );

    const withdrawn = await post(`/reviews/${created.id}/withdraw`, {
      reason: 'Release postponed',
    });
    expect(withdrawn.status).toBe(200);
    expect(((await withdrawn.json()) as { closureReason: string }).closureReason).toBe('withdrawn');

    // A refiled review links to the withdrawn one and gets fresh clocks; an open one cannot be refiled.
    const refiled = await post(
      '/reviews',
      IntakeFactory.body({ protocolKey: protocol.key, refiledFrom: created.id }),
    );
    expect(refiled.status).toBe(201);
    const refiledBody = (await refiled.json()) as {
      id: string;
      refiledFrom: string;
      status: string;
      timeline: { type: string }[];
    };
    expect(refiledBody).toMatchObject({ refiledFrom: created.id, status: 'open' });
    expect(refiledBody.id).not.toBe(created.id);
    const again = await post(
      '/reviews',
      IntakeFactory.body({ protocolKey: protocol.key, refiledFrom: refiledBody.id }),
    );
    expect(again.status).toBe(422);
    await post(`/reviews/${refiledBody.id}/withdraw`, {
      reason: 'cleanup',
    });
  });

  it('validates list query parameters and pages with a cursor', async () => {
    const bad = await get('/reviews?limit=0&overdue=maybe&stage=nowhere');
    expect(bad.status).toBe(400);
    const fields = ((await bad.json()) as { errors: { field: string }[] }).errors.map(
      (e) => e.field,
    );
    expect(fields).toEqual(expect.arrayContaining(['limit', 'overdue', 'stage']));
    expect((await get('/reviews?cursor=garbage')).status).toBe(400);
    expect((await get('/reviews/not-a-uuid')).status).toBe(400);

    const first = (await (await get('/reviews?limit=1')).json()) as {
      items: { id: string }[];
      nextCursor?: string;
    };
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toBeTruthy();
    const second = (await (await get(`/reviews?limit=1&cursor=${first.nextCursor}`)).json()) as {
      items: { id: string }[];
    };
    expect(second.items).toHaveLength(1);
    expect(second.items[0].id).not.toBe(first.items[0].id);
  });

  it('adds a closure day on the record and tells every open review', async () => {
    const open = (await (
      await post('/reviews', IntakeFactory.body({ protocolKey: protocol.key }))
    ).json()) as { id: string };
    const res = await post(
      '/calendar/closures',
      { date: '2099-12-01', reason: 'Lapse in appropriations' },
      tokenFor('operator', { sub: 'operator@example.gov' }),
    );
    expect(res.status).toBe(201);
    expect(
      ((await res.json()) as { reviewsNotified: number }).reviewsNotified,
    ).toBeGreaterThanOrEqual(1);
    const calendar = (await (await get('/calendar')).json()) as { nonBusinessDates: string[] };
    expect(calendar.nonBusinessDates).toContain('2099-12-01');
    const detail = await eventually(async () => {
      const r = (await (await get(`/reviews/${open.id}`)).json()) as {
        timeline: { type: string; actor: string; reason?: string }[];
      };
      return r.timeline.some((e) => e.type === 'calendar_changed') ? r : undefined;
    }, 'the calendar change to reach the review');
    expect(detail.timeline.find((e) => e.type === 'calendar_changed')).toMatchObject({
      actor: 'operator@example.gov',
      reason: 'Lapse in appropriations',
    });
    const audit: { count: string }[] = await h.db.query(
      `SELECT count(*) FROM audit_log WHERE action = 'closure_day_added' AND target = 'calendar:2099-12-01'`,
    );
    expect(Number(audit[0].count)).toBe(1);
    expect((await post('/calendar/closures', { date: '2099-02-30', reason: 'x' })).status).toBe(
      400,
    );
    await post(`/reviews/${open.id}/withdraw`, {
      reason: 'cleanup',
    });
  });

  it('keeps published protocols immutable and refuses to publish an invalid draft', async () => {
    const draft = { ...ProtocolFactory.singleStep().build(), version: 1 };
    const invalid = structuredClone(draft);
    invalid.workstreams[0].steps[0].dependsOn = ['ghost'];
    const validation = (await (
      await post('/protocols/validate', { definition: invalid })
    ).json()) as { valid: boolean; errors: { path: string; message: string }[] };
    expect(validation.valid).toBe(false);
    expect(validation.errors[0].path).toMatch(/dependsOn/);

    expect((await post('/protocols/drafts', { definition: invalid })).status).toBe(201);
    const refused = await post(`/protocols/${draft.key}/versions/1/publish`, {});
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { errors: { field: string }[] }).errors[0].field).toMatch(
      /dependsOn/,
    );

    expect((await post('/protocols/drafts', { definition: draft })).status).toBe(201);
    expect((await post(`/protocols/${draft.key}/versions/1/publish`, {})).status).toBe(200);
    expect((await post('/protocols/drafts', { definition: draft })).status).toBe(409);
    const stored = (await (await get(`/protocols/${draft.key}/versions/1`)).json()) as {
      status: string;
      definition: { workstreams: { steps: { dependsOn: string[] }[] }[] };
    };
    expect(stored.status).toBe('published');
    expect(stored.definition.workstreams[0].steps[0].dependsOn).toEqual([]);
    const audited: { action: string; actor: string }[] = await h.db.query(
      `SELECT action, actor FROM audit_log WHERE target = $1 ORDER BY id`,
      [`protocol:${draft.key}@1`],
    );
    expect(audited.map((a) => a.action)).toEqual([
      'protocol_draft_created',
      'protocol_draft_updated',
      'protocol_published',
    ]);
    // A draft without a key is refused with the field named, never a 500.
    const keyless = await post('/protocols/drafts', {
      definition: { title: 'x' },
    });
    expect(keyless.status).toBe(422);
    expect(
      ((await keyless.json()) as { errors: { field: string }[] }).errors.map((e) => e.field),
    ).toEqual(['definition.key', 'definition.version']);
  });
});
