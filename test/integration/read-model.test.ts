import { randomUUID } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { decode } from '@temporalio/common/lib/internal-non-workflow';
import { MockActivityEnvironment } from '@temporalio/testing';
import { followedOf } from '../../activities/projection/followed-record';
import { ProjectionActivitiesService } from '../../activities/projection/projection.activities';
import type {
  ProjectionBatch,
  ProjectionResult,
  ReviewEvent,
  ReviewState,
} from '../../libs/domain/src/review/review.types';
import { ReadModelTables1764374400000 } from '../../libs/persistence/src/migrations/1764374400000-ReadModelTables';
import { dataConverter } from '../../libs/temporal/src/connection';
import { environment } from '../../config/environment';
import { IntakeFactory, ProtocolFactory, secondsClock, uniq } from '../support/factories';
import { eventually, startHarness, type Harness } from '../support/harness';
import { apiClient } from '../support/http';
import { tokenFor } from '../support/auth';
import { stateOf, type ReviewHandle } from '../support/reviews';

/** Child tables and the order their rows are compared in (their primary keys). */
const CHILD_TABLES: Record<string, string> = {
  review_workstreams: 'agency',
  review_steps: 'agency, step_id',
  review_findings: 'agency, step_id',
  review_deadlines: 'deadline_id',
  review_extensions: 'deadline_id, extension_id',
  review_clock_stops: 'deadline_id, position',
  review_escalations: 'escalation_id',
};

const ms = (d: Date | null) => (d ? d.getTime() : null);
const finite = (n: number | null | undefined) =>
  typeof n === 'number' && Number.isFinite(n) ? n : null;

/**
 * The projection into the normalized read-model tables (workstreams, steps, findings, deadlines,
 * extensions, clock stops, escalations) on real PostgreSQL and Temporal: batches projected out of
 * order and twice converge to the newest state, and the migration's backfill writes the same rows.
 */
describe('read model', () => {
  let h: Harness;
  let url: string;
  /** The activity itself, run in the SDK's activity context (for its logger) on the real database. */
  let projection: { projectReview(batch: ProjectionBatch): Promise<unknown> };
  const { get, post } = apiClient(() => url);

  beforeAll(async () => {
    h = await startHarness({ api: true });
    url = h.api!.url;
    const service = new ProjectionActivitiesService(h.db);
    const context = new MockActivityEnvironment();
    projection = {
      projectReview: (batch) => context.run(service.projectReview.bind(service), batch),
    };
  });
  afterAll(() => h.close());

  /** Every child row of a review, whole (review id left out so two reviews can be compared). */
  const dump = async (reviewId: string): Promise<Record<string, unknown[]>> => {
    const out: Record<string, unknown[]> = {};
    for (const [table, order] of Object.entries(CHILD_TABLES)) {
      const rows: { row: unknown }[] = await h.db.query(
        `SELECT to_jsonb(t) - 'review_id' AS row FROM ${table} t WHERE review_id = $1 ORDER BY ${order}`,
        [reviewId],
      );
      out[table] = rows.map((r) => r.row);
    }
    return out;
  };

  /** What a state says, in terms both the state and the tables can be read in. */
  const fromState = (s: ReviewState) => ({
    workstreams: s.workstreams.map((w) => [w.agency, w.role, w.status]),
    steps: s.workstreams.flatMap((w) =>
      w.steps.map((st) => [w.agency, st.stepId, st.title, st.status, st.dependsOn]),
    ),
    findings: s.workstreams.flatMap((w) =>
      w.steps
        .filter((st) => st.finding)
        .map((st) => [w.agency, st.stepId, st.finding!.riskLevel, st.finding!.summary]),
    ),
    deadlines: s.deadlines.map((d) => [d.id, d.kind, d.status, finite(d.dueMs)]),
    extensions: s.deadlines.flatMap((d) =>
      d.extensions.map((x) => [d.id, x.id, x.status, x.justification, x.decidedBy ?? null]),
    ),
    clockStops: s.deadlines.flatMap((d) =>
      d.stops.map((c) => [d.id, c.reasonCode, c.fromMs, finite(c.toMs), c.by]),
    ),
    escalations: s.escalations.map((e) => [
      e.id,
      e.trigger,
      e.level,
      e.status,
      e.acknowledgedBy ?? null,
      finite(e.dueMs),
    ]),
  });

  /** The same, read from the tables in the workflow's order (`position`). */
  const fromTables = async (reviewId: string) => {
    const q = <T>(sql: string) => h.db.query(sql, [reviewId]) as Promise<T[]>;
    type Row = Record<string, never>;
    const [workstreams, steps, findings, deadlines, extensions, stops, escalations] =
      await Promise.all([
        q<Row>(`SELECT * FROM review_workstreams WHERE review_id = $1 ORDER BY position`),
        q<Row>(
          `SELECT s.* FROM review_steps s JOIN review_workstreams w USING (review_id, agency)
            WHERE review_id = $1 ORDER BY w.position, s.position`,
        ),
        q<Row>(
          `SELECT f.* FROM review_findings f JOIN review_steps s USING (review_id, agency, step_id)
             JOIN review_workstreams w USING (review_id, agency)
            WHERE review_id = $1 ORDER BY w.position, s.position`,
        ),
        q<Row>(`SELECT * FROM review_deadlines WHERE review_id = $1 ORDER BY position`),
        q<Row>(
          `SELECT x.* FROM review_extensions x JOIN review_deadlines d USING (review_id, deadline_id)
            WHERE review_id = $1 ORDER BY d.position, x.position`,
        ),
        q<Row>(
          `SELECT c.* FROM review_clock_stops c JOIN review_deadlines d USING (review_id, deadline_id)
            WHERE review_id = $1 ORDER BY d.position, c.position`,
        ),
        q<Row>(`SELECT * FROM review_escalations WHERE review_id = $1 ORDER BY position`),
      ]);
    return {
      workstreams: workstreams.map((w) => [w.agency, w.role, w.status]),
      steps: steps.map((s) => [s.agency, s.step_id, s.title, s.status, s.depends_on]),
      findings: findings.map((f) => [f.agency, f.step_id, f.risk_level, f.summary]),
      deadlines: deadlines.map((d) => [d.deadline_id, d.kind, d.status, ms(d.due_at)]),
      extensions: extensions.map((x) => [
        x.deadline_id,
        x.extension_id,
        x.status,
        x.justification,
        x.decided_by,
      ]),
      clockStops: stops.map((c) => [
        c.deadline_id,
        c.reason_code,
        ms(c.from_at),
        ms(c.to_at),
        c.stopped_by,
      ]),
      escalations: escalations.map((e) => [
        e.escalation_id,
        e.trigger,
        e.level,
        e.status,
        e.acknowledged_by,
        ms(e.due_at),
      ]),
    };
  };

  const lastSeqOf = async (reviewId: string): Promise<number> => {
    const [{ last_seq }]: { last_seq: number }[] = await h.db.query(
      'SELECT last_seq FROM reviews WHERE id = $1',
      [reviewId],
    );
    return last_seq;
  };

  /** The migration's backfill, for these reviews only (other test files share the database). */
  const backfill = async (reviewIds: string[]) => {
    const runner = h.db.createQueryRunner();
    try {
      await runner.startTransaction();
      await new ReadModelTables1764374400000().backfill(runner, reviewIds);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
  };

  describe('batches projected out of order and twice (the activity against PostgreSQL)', () => {
    const agencyA = `a${uniq()}`;
    const agencyB = `b${uniq()}`;
    const t0 = Date.parse('2027-01-04T15:00:00.000Z');
    const hour = 3_600_000;

    const event = (
      seq: number,
      type: string,
      details: Record<string, unknown> = {},
    ): ReviewEvent => ({
      seq,
      type,
      actor: 'coordinator@example.gov',
      at: new Date(t0 + seq * hour).toISOString(),
      details,
    });

    /**
     * The same review at seq 3 and at seq 7. Between them A's second step was renamed, B's
     * workstream and its deadline dropped (a refiled protocol), a finding recorded, the
     * extension granted, the clock stop closed, one escalation acknowledged and one raised.
     */
    const stateAt = (reviewId: string, version: 1 | 2): ReviewState => {
      const v2 = version === 2;
      const stepA = `step:${agencyA}:s1`;
      return {
        reviewId,
        status: 'open',
        stage: 'assessment',
        protocolKey: 'hand-made',
        protocolVersion: 1,
        leadAgency: agencyA,
        developerOrg: `Lab ${agencyA}`,
        modelName: `model-${agencyA}`,
        modelVersion: 'ckpt-1',
        plannedReleaseDate: '2099-01-01',
        workstreams: [
          {
            agency: agencyA,
            role: 'lead',
            workflowId: `ws-${agencyA}`,
            status: 'running',
            steps: [
              {
                agency: agencyA,
                stepId: 's1',
                title: 'First look',
                kind: 'manual',
                domain: 'offensive-cyber',
                dependsOn: [],
                status: v2 ? 'done' : 'open',
                openedAt: new Date(t0).toISOString(),
                completedAt: v2 ? new Date(t0 + 6 * hour).toISOString() : undefined,
                finding: v2
                  ? {
                      agency: agencyA,
                      stepId: 's1',
                      domain: 'offensive-cyber',
                      riskLevel: 'high',
                      summary: 'Uplift on exploit development',
                      rationale: 'Solved 7 of 10 CTF tasks unaided',
                      marking: 'CUI',
                      metrics: { solved: 7 },
                      artifacts: [
                        {
                          name: 'transcript.txt',
                          marking: 'CUI',
                          contentType: 'text/plain',
                          sizeBytes: 5,
                          sha256: 'a'.repeat(64),
                          contentBase64: 'aGVsbG8=',
                        },
                      ],
                      submittedBy: `analyst@${agencyA}.example.gov`,
                      submittedAt: new Date(t0 + 6 * hour).toISOString(),
                    }
                  : undefined,
              },
              {
                agency: agencyA,
                stepId: v2 ? 's2-range' : 's2',
                title: v2 ? 'Cyber range' : 'Range',
                kind: 'manual',
                domain: 'offensive-cyber',
                dependsOn: ['s1'],
                status: v2 ? 'open' : 'blocked',
              },
            ],
          },
          ...(v2
            ? []
            : [
                {
                  agency: agencyB,
                  role: 'member' as const,
                  workflowId: `ws-${agencyB}`,
                  status: 'running' as const,
                  steps: [
                    {
                      agency: agencyB,
                      stepId: 'b1',
                      title: 'Benchmark',
                      kind: 'manual' as const,
                      domain: 'offensive-cyber',
                      dependsOn: [],
                      status: 'open' as const,
                    },
                  ],
                },
              ]),
        ],
        deadlines: [
          {
            id: 'assessment-window',
            label: 'Assessment window',
            kind: 'stage',
            basisMs: t0,
            clock: { unit: 'calendar_days', amount: 30 },
            stops: [],
            extensions: [],
            dueMs: t0 + 30 * 24 * hour,
            status: 'open',
          },
          {
            id: stepA,
            label: 'First look',
            kind: 'step',
            agency: agencyA,
            stepId: 's1',
            basisMs: t0,
            clock: { unit: 'business_days', amount: 5 },
            stops: [
              {
                reasonCode: 'developer-unavailable',
                fromMs: t0 + hour,
                toMs: v2 ? t0 + 2 * hour : undefined,
                by: 'coordinator@example.gov',
              },
            ],
            extensions: [
              {
                id: 'ext-1',
                clock: { unit: 'business_days', amount: 2 },
                justification: 'Range access came late',
                requestedBy: `lead@${agencyA}.example.gov`,
                requestedAt: new Date(t0 + 2 * hour).toISOString(),
                status: v2 ? 'granted' : 'pending',
                decidedBy: v2 ? 'coordinator@example.gov' : undefined,
                decisionReason: v2 ? 'Justified' : undefined,
                decidedAt: v2 ? new Date(t0 + 4 * hour).toISOString() : undefined,
              },
            ],
            dueMs: t0 + (v2 ? 9 : 7) * 24 * hour,
            status: v2 ? 'met' : 'open',
            closedAtMs: v2 ? t0 + 6 * hour : undefined,
          },
          ...(v2
            ? [
                {
                  id: `step:${agencyA}:s2-range`,
                  label: 'Cyber range',
                  kind: 'step' as const,
                  agency: agencyA,
                  stepId: 's2-range',
                  basisMs: t0 + 6 * hour,
                  clock: { unit: 'business_days' as const, amount: 5 },
                  stops: [],
                  extensions: [],
                  dueMs: t0 + 13 * 24 * hour,
                  status: 'open' as const,
                },
              ]
            : [
                {
                  id: `step:${agencyB}:b1`,
                  label: 'Benchmark',
                  kind: 'step' as const,
                  agency: agencyB,
                  stepId: 'b1',
                  basisMs: t0,
                  clock: { unit: 'business_days' as const, amount: 5 },
                  stops: [],
                  extensions: [],
                  dueMs: t0 + 7 * 24 * hour,
                  status: 'open' as const,
                },
              ]),
        ],
        escalations: [
          {
            id: 'esc-1',
            trigger: 'manual',
            subject: 'Enclave access blocked',
            level: 1,
            levelName: 'Senior agency officials',
            raisedAtMs: t0 + hour,
            dueMs: t0 + 49 * hour,
            status: v2 ? 'acknowledged' : 'open',
            acknowledgedBy: v2 ? 'official@example.gov' : undefined,
            acknowledgedAtMs: v2 ? t0 + 5 * hour : undefined,
            history: [{ level: 1, atMs: t0 + hour, by: 'coordinator@example.gov' }],
          },
          ...(v2
            ? [
                {
                  id: 'esc-2',
                  trigger: 'dissent' as const,
                  subject: 'offensive-cyber',
                  level: 0,
                  levelName: 'Staff leads',
                  raisedAtMs: t0 + 7 * hour,
                  dueMs: t0 + 55 * hour,
                  status: 'open' as const,
                  history: [{ level: 0, atMs: t0 + 7 * hour, by: 'system' }],
                },
              ]
            : []),
        ],
        informationRequests: [],
        nonBusinessDates: [],
        seq: v2 ? 7 : 3,
      };
    };

    const batch = (reviewId: string, version: 1 | 2): ProjectionBatch => {
      const events =
        version === 1
          ? [
              event(1, 'review_submitted'),
              event(2, 'stage_changed', { stage: 'assessment' }),
              event(3, 'clock_stopped'),
            ]
          : [4, 5, 6, 7].map((seq) => event(seq, 'changed'));
      return {
        reviewId,
        workflowId: `review-${reviewId}`,
        events,
        state: stateAt(reviewId, version),
      };
    };

    it('a newer batch replaces the rows; an older or repeated one changes nothing but the timeline', async () => {
      const id = randomUUID();
      await projection.projectReview(batch(id, 1));
      expect(await fromTables(id)).toEqual(fromState(stateAt(id, 1)));

      await projection.projectReview(batch(id, 2));
      const newest = await dump(id);
      expect(await fromTables(id)).toEqual(fromState(stateAt(id, 2)));
      // Renamed and removed items are gone, not left beside the new ones.
      expect(newest.review_steps.map((s) => (s as { step_id: string }).step_id)).toEqual([
        's1',
        's2-range',
      ]);
      expect(newest.review_workstreams).toHaveLength(1);

      // The older batch arrives late (a retry that lost a race), then the newer one again.
      await projection.projectReview(batch(id, 1));
      expect(await dump(id)).toEqual(newest);
      await projection.projectReview(batch(id, 2));
      expect(await dump(id)).toEqual(newest);
      expect(await lastSeqOf(id)).toBe(7);
      const seqs: { seq: number }[] = await h.db.query(
        'SELECT seq FROM review_events WHERE review_id = $1 ORDER BY seq',
        [id],
      );
      expect(seqs.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);

      // Every row carries the seq of the batch it came from.
      for (const rows of Object.values(newest))
        for (const row of rows) expect(row).toMatchObject({ last_seq: 7 });
      // Inline artifact content stays in the workflow state.
      expect(newest.review_findings).toEqual([
        expect.objectContaining({
          risk_level: 'high',
          metrics: { solved: 7 },
          artifacts: [expect.not.objectContaining({ contentBase64: expect.anything() })],
        }),
      ]);
    });

    it('gives up a write stuck on a lock (PROJECTION_WRITE_TIMEOUT_MS), and the retry writes it', async () => {
      const id = randomUUID();
      await projection.projectReview(batch(id, 1));
      // Another session holds the review's row, as a stuck or slow writer would.
      const holder = h.db.createQueryRunner();
      await holder.connect();
      await holder.startTransaction();
      await holder.query('SELECT 1 FROM reviews WHERE id = $1 FOR UPDATE', [id]);
      // (The harness's core worker reads the same settings: its writes get the short limit too.)
      const shortened = jest.replaceProperty(environment(), 'PROJECTION_WRITE_TIMEOUT_MS', 500);
      try {
        // PostgreSQL cancels the statement (query_canceled); without the timeout it waits on.
        await expect(projection.projectReview(batch(id, 2))).rejects.toMatchObject({
          code: '57014',
        });
        expect(await lastSeqOf(id)).toBe(3);
      } finally {
        shortened.restore();
        await holder.rollbackTransaction();
        await holder.release();
      }
      // The attempt let go of everything: the retry writes the batch whole.
      await projection.projectReview(batch(id, 2));
      expect(await fromTables(id)).toEqual(fromState(stateAt(id, 2)));
      expect(await lastSeqOf(id)).toBe(7);
    });

    it('converges to the same rows whatever the order, for a second review', async () => {
      const first = randomUUID();
      const second = randomUUID();
      await projection.projectReview(batch(first, 1));
      await projection.projectReview(batch(first, 2));
      // The newest first, then the old one twice.
      await projection.projectReview(batch(second, 2));
      await projection.projectReview(batch(second, 1));
      await projection.projectReview(batch(second, 1));
      expect(await dump(second)).toEqual(await dump(first));
    });

    it('serves the newest rows through the API, and filters the list by them', async () => {
      const id = randomUUID();
      await projection.projectReview(batch(id, 2));
      await projection.projectReview(batch(id, 1));
      const res = await get(`/reviews/${id}`);
      expect(res.status).toBe(200);
      const detail = (await res.json()) as {
        progress: Record<string, number>;
        workstreams: {
          agency: string;
          steps: { stepId: string; riskLevel?: string; summary?: string }[];
        }[];
        deadlines: {
          id: string;
          status: string;
          clockStopped: boolean;
          extensions: { id: string; status: string; decidedBy?: string }[];
          clockStops: { reasonCode: string; from: string; to?: string }[];
        }[];
        escalations: { id: string; status: string; level: number; dueAt: string }[];
      };
      expect(detail.progress).toEqual({ [agencyA]: 0.5 });
      expect(detail.workstreams.map((w) => [w.agency, w.steps.map((s) => s.stepId)])).toEqual([
        [agencyA, ['s1', 's2-range']],
      ]);
      expect(detail.workstreams[0].steps[0]).toMatchObject({
        riskLevel: 'high',
        summary: 'Uplift on exploit development',
      });
      const step = detail.deadlines.find((d) => d.id === `step:${agencyA}:s1`)!;
      expect(step).toMatchObject({
        status: 'met',
        clockStopped: false,
        extensions: [{ id: 'ext-1', status: 'granted', decidedBy: 'coordinator@example.gov' }],
        clockStops: [
          {
            reasonCode: 'developer-unavailable',
            from: new Date(t0 + hour).toISOString(),
            to: new Date(t0 + 2 * hour).toISOString(),
          },
        ],
      });
      expect(detail.escalations.map((e) => [e.id, e.status, e.level])).toEqual([
        ['esc-1', 'acknowledged', 1],
        ['esc-2', 'open', 0],
      ]);

      const listed = async (query: string) => {
        const page = (await (await get(`/reviews?q=model-${agencyA}&${query}`)).json()) as {
          items: { id: string }[];
        };
        return page.items.some((i) => i.id === id);
      };
      // B's workstream is gone in the newest state, esc-1 (level 1) was acknowledged, and every
      // due date is in 2027, so nothing is overdue yet.
      expect(await listed(`agency=${agencyA}`)).toBe(true);
      expect(await listed(`agency=${agencyB}`)).toBe(false);
      expect(await listed('escalationLevel=0')).toBe(true);
      expect(await listed('escalationLevel=1')).toBe(false);
      expect(await listed('overdue=false')).toBe(true);
      expect(await listed('overdue=true')).toBe(false);
    });

    it("the migration's backfill writes the rows the projection writes", async () => {
      const id = randomUUID();
      await projection.projectReview(batch(id, 1));
      await projection.projectReview(batch(id, 2));
      const projected = await dump(id);
      await h.db.query('DELETE FROM review_workstreams WHERE review_id = $1', [id]);
      await h.db.query('DELETE FROM review_deadlines WHERE review_id = $1', [id]);
      await h.db.query('DELETE FROM review_escalations WHERE review_id = $1', [id]);
      expect((await dump(id)).review_steps).toEqual([]);
      await backfill([id]);
      expect(await dump(id)).toEqual(projected);
    });
  });

  describe('a real review (workflow, API, projection activity)', () => {
    const agency = `r${uniq()}`;
    const protocol = ProtocolFactory.singleStep(agency).build();
    protocol.workstreams[0].steps[0].clock = secondsClock(3600);
    protocol.escalation.levels = [0, 1].map((level) => ({
      level,
      name: `Level ${level}`,
      clock: secondsClock(3600),
    }));
    const stepDeadline = `step:${agency}:review`;
    const lead = tokenFor('agency-lead', { agency, sub: `lead@${agency}.example.gov` });
    let reviewId: string;
    let handle: ReviewHandle;
    let final: ReviewState;

    const ok = async (path: string, body: Record<string, unknown>, as?: Promise<string>) => {
      const res = await post(path, body, as);
      if (res.status !== 200) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as {
        status: string;
        deadlines: { id: string; extensions: { id: string }[] }[];
        escalations: { id: string; status: string }[];
      };
    };

    /**
     * Every batch the review's projections wrote, decoded from its history: each activity's input
     * and, for a following projection (engine v3), what it followed (in its result).
     */
    const projectedBatches = async (): Promise<ProjectionBatch[]> => {
      const history = await handle.fetchHistory();
      const codecs = dataConverter().payloadCodecs ?? [];
      const batches: ProjectionBatch[] = [];
      const projections = new Map<string, ProjectionBatch>();
      for (const e of history.events ?? []) {
        const scheduled = e.activityTaskScheduledEventAttributes;
        if (scheduled?.activityType?.name === 'projectReview') {
          const [payload] = await decode(codecs, scheduled.input?.payloads ?? []);
          // Replayed here as plain batches: nothing to follow.
          const { follow: _follow, ...batch } =
            defaultPayloadConverter.fromPayload<ProjectionBatch>(payload);
          projections.set(String(e.eventId), batch);
          batches.push(batch);
        }
        const completed = e.activityTaskCompletedEventAttributes;
        const batch = projections.get(String(completed?.scheduledEventId));
        if (completed && batch) {
          const [payload] = await decode(codecs, completed.result?.payloads ?? []);
          const followed = followedOf(
            defaultPayloadConverter.fromPayload<ProjectionResult>(payload),
          );
          if (followed) batches.push({ ...batch, ...followed });
        }
      }
      return batches;
    };

    /** The same batches for another review id, so they can be projected into a fresh review. */
    const asReview = (b: ProjectionBatch, id: string): ProjectionBatch => ({
      ...b,
      reviewId: id,
      workflowId: `review-${id}`,
      state: { ...b.state, reviewId: id, idempotencyKey: undefined },
    });

    beforeAll(async () => {
      await h.publishProtocol(protocol);
      const res = await post('/reviews', IntakeFactory.body({ protocolKey: protocol.key }));
      expect(res.status).toBe(201);
      reviewId = ((await res.json()) as { id: string }).id;
      handle = h.client.workflow.getHandle(`review-${reviewId}`);
      await eventually(async () => {
        const s = await stateOf(handle);
        return s.workstreams[0].steps[0].status === 'open' ? s : undefined;
      }, 'the step to open');

      const requested = await ok(
        `/reviews/${reviewId}/extensions`,
        {
          deadlineId: stepDeadline,
          clock: { unit: 'duration', iso: 'PT600S' },
          justification: 'The enclave opened a day late',
        },
        lead,
      );
      const ext = requested.deadlines.find((d) => d.id === stepDeadline)!.extensions[0];
      await ok(`/reviews/${reviewId}/extensions/${ext.id}/decision`, {
        grant: true,
        reason: 'Justified on the record',
      });
      await ok(`/reviews/${reviewId}/clock-stops`, {
        deadlineId: stepDeadline,
        reasonCode: 'developer-unavailable',
      });
      await ok(`/reviews/${reviewId}/clock-resumptions`, { deadlineId: stepDeadline });
      await ok(`/reviews/${reviewId}/clock-stops`, {
        deadlineId: stepDeadline,
        reasonCode: 'range-outage',
      });
      const raised = await ok(
        `/reviews/${reviewId}/escalations`,
        { subject: 'Range outage', reason: 'No access since Monday' },
        lead,
      );
      await ok(
        `/reviews/${reviewId}/escalations/${raised.escalations[0].id}/acknowledge`,
        {},
        tokenFor('coordinator', { sub: 'official@example.gov' }),
      );
      await ok(
        `/reviews/${reviewId}/escalations`,
        { subject: 'Second outage', level: 1, reason: 'Again' },
        lead,
      );
      await ok(
        `/reviews/${reviewId}/findings`,
        { stepId: 'review', riskLevel: 'alert', summary: 'Moderate uplift on web exploitation' },
        tokenFor('agency-analyst', { agency }),
      );
      final = await eventually(async () => {
        const s = await stateOf(handle);
        return s.status === 'closed' && (await lastSeqOf(reviewId)) === s.seq ? s : undefined;
      }, 'the review to close and be projected');
    });

    it('leaves the tables saying what the final workflow state says', async () => {
      const tables = await fromTables(reviewId);
      expect(tables).toEqual(fromState(final));
      // The review exercised every table.
      for (const [name, rows] of Object.entries(tables))
        expect([name, rows.length]).not.toEqual([name, 0]);
      expect(tables.clockStops.map((c) => c[1])).toEqual(['developer-unavailable', 'range-outage']);
      expect(tables.extensions.map((x) => x[2])).toEqual(['granted']);
    });

    it('converges when every recorded batch is replayed, in reverse and shuffled, twice', async () => {
      const batches = await projectedBatches();
      expect(batches.length).toBeGreaterThan(5);
      expect(batches[batches.length - 1].state.seq).toBe(final.seq);
      const projected = await dump(reviewId);

      // Replays into the same review: nothing moves.
      for (const b of [...batches].reverse()) await projection.projectReview(b);
      for (const b of batches) await projection.projectReview(b);
      expect(await dump(reviewId)).toEqual(projected);
      const events: { n: number }[] = await h.db.query(
        'SELECT count(*)::int AS n FROM review_events WHERE review_id = $1',
        [reviewId],
      );
      expect(events[0].n).toBe(final.seq);

      // Into a fresh review, newest first then the rest shuffled, each twice: the same rows.
      const copy = randomUUID();
      const shuffled = [...batches].sort(() => Math.random() - 0.5);
      for (const b of [batches[batches.length - 1], ...shuffled, ...shuffled])
        await projection.projectReview(asReview(b, copy));
      expect(await dump(copy)).toEqual(projected);
      expect(await lastSeqOf(copy)).toBe(final.seq);
    });

    it("the migration's backfill rebuilds the same rows from the state snapshot", async () => {
      const projected = await dump(reviewId);
      await backfill([reviewId]);
      expect(await dump(reviewId)).toEqual(projected);
    });
  });
});
