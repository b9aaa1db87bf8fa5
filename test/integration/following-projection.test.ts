import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { taskOutcome } from '../../libs/temporal/src/committed-task';
import {
  projectionFeedQuery,
  raiseEscalationUpdate,
  submitFindingUpdate,
} from '../../workflows/definitions';
import { ProtocolFactory } from '../support/factories';
import { eventually, startHarness, type Harness } from '../support/harness';
import { projections } from '../support/projections';
import { readModelDifferences } from '../support/read-model';
import { startReview, type ReviewHandle } from '../support/reviews';

const { EventType } = temporal.api.enums.v1;

const stepStatus = async (h: Harness, reviewId: string) => {
  const rows: { status: string }[] = await h.db.query(
    'SELECT status FROM review_steps WHERE review_id = $1',
    [reviewId],
  );
  return rows.map((r) => r.status);
};

/**
 * Engine v3: a projection follows the review while it is busy, reading what each workflow task
 * committed through the `projectionFeed` query, so a burst of changes costs the review one
 * activity. Held here far longer than in production (60 s quiet), so that the test sees the
 * following itself and that a waiting update ends it.
 */
describe('following projection (engine v3)', () => {
  // The engine's queue is this file's own, so no other file's core worker (with the usual
  // following times) runs these reviews' projections, nor this one theirs.
  process.env.TEMPORAL_TASK_QUEUE = `follow-${randomUUID()}`;
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ follow: { idleMs: 60_000, maxMs: 60_000, maxConcurrent: 1 } });
  });
  afterAll(() => h.close());

  /** The single step's finding, submitted to the agency's workstream (not to the review). */
  const submitFinding = (r: ReviewHandle, agency: string) =>
    h.client.workflow.getHandle(`${r.workflowId}-ws-${agency}`).executeUpdate(submitFindingUpdate, {
      args: [
        {
          stepId: 'review',
          riskLevel: 'low',
          summary: 'nothing of concern',
          actor: { id: 'analyst@example.gov', agency },
        },
      ],
    });

  /** A single-step review, once the first projection shows its step open (it then follows). */
  const startFollowed = async () => {
    const protocol = ProtocolFactory.singleStep().build();
    const r = await startReview(h.client, protocol);
    const reviewId = r.workflowId.replace(/^review-/, '');
    await eventually(
      async () => ((await stepStatus(h, reviewId)).includes('open') ? true : undefined),
      'the manual step open in the read model',
    );
    return { r, reviewId, agency: protocol.workstreams[0].agency };
  };

  it('projects a review from start to closure with one activity, following what the review commits', async () => {
    const { r, reviewId, agency } = await startFollowed();

    await submitFinding(r, agency);
    const final = await r.result();

    expect(final.closure?.reason).toBe('completed');
    // One activity: its batch is the assessment's start; the finding, the consolidation, the
    // determination and the closure were read from the feed.
    const all = await projections(r);
    expect(all).toHaveLength(1);
    expect(Math.max(...all[0].batchSeqs)).toBeLessThan(final.seq);
    expect(all[0].projectedSeq).toBe(final.seq);
    // Its result (packed) keeps in the history what it followed: every later event, and the
    // state they led to, for a rebuild from the history.
    const batchEnd = Math.max(...all[0].batchSeqs);
    expect(all[0].followed?.events.map((e) => e.seq)).toEqual(
      Array.from({ length: final.seq - batchEnd }, (_, i) => batchEnd + i + 1),
    );
    expect(all[0].followed?.state).toEqual(final);
    expect(await readModelDifferences(h.db, final)).toEqual([]);
    const timeline: { seq: number }[] = await h.db.query(
      'SELECT seq FROM review_events WHERE review_id = $1 ORDER BY seq',
      [reviewId],
    );
    expect(timeline.map((e) => e.seq)).toEqual(Array.from({ length: final.seq }, (_, i) => i + 1));
    // The feed is empty once everything is projected, and says the review wants nothing more.
    const feed = await r.query(projectionFeedQuery, final.seq);
    expect(feed).toMatchObject({ events: [], done: true });
    expect(feed.state).toBeUndefined();
    // It names the workflow task it answered from: the review's last one, which committed.
    const history = (await r.fetchHistory()).events ?? [];
    expect(taskOutcome(history, feed.task!)).toBe('completed');
    const lastStarted = history
      .filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
      .map((e) => Number(e.eventId))
      .pop();
    expect(feed.task!.startedEventId).toBe(lastStarted);
  });

  it('runs as v3 from the engine version in its input, without the marker a review started without it records', async () => {
    const protocol = ProtocolFactory.singleStep().build();
    const agency = protocol.workstreams[0].agency;
    const markers = async (r: ReviewHandle) => {
      const events = (await r.fetchHistory()).events ?? [];
      return {
        markers: events.filter((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED).length,
        versionUpserts: events.filter((e) =>
          Object.keys(
            e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
          ).includes('TemporalChangeVersion'),
        ).length,
      };
    };
    for (const [engineVersion, expected] of [
      [3, { markers: 0, versionUpserts: 0 }],
      [null, { markers: 1, versionUpserts: 1 }],
    ] as const) {
      const r = await startReview(h.client, protocol, { engineVersion });
      const reviewId = r.workflowId.replace(/^review-/, '');
      await eventually(
        async () => ((await stepStatus(h, reviewId)).includes('open') ? true : undefined),
        'the manual step open in the read model',
      );
      await submitFinding(r, agency);
      const final = await r.result();
      expect(final.closure?.reason).toBe('completed');
      // v3 either way: one following projection from the assessment's start to the closure.
      const all = await projections(r);
      expect(all).toHaveLength(1);
      expect(all[0].projectedSeq).toBe(final.seq);
      expect(await markers(r)).toEqual(expected);
    }
  });

  it('ends the following as soon as an update waits for the read model', async () => {
    const { r, reviewId, agency } = await startFollowed();
    // The first projection is following (for up to 60 s): the feed has nothing new for it.
    const before = await projections(r);
    expect(before).toHaveLength(1);
    expect(before[0].projectedSeq).toBeUndefined();

    // The update waits for its change in the read model, which ends the following now.
    const escalation = await r.executeUpdate(raiseEscalationUpdate, {
      args: [{ actor: { id: 'coordinator@example.gov' }, subject: 'slow start', reason: 'test' }],
    });
    const rows: { id: string }[] = await h.db.query(
      'SELECT escalation_id AS id FROM review_escalations WHERE review_id = $1',
      [reviewId],
    );
    expect(rows.map((x) => x.id)).toEqual([escalation.id]);
    const after = await projections(r);
    expect(after[0].projectedSeq).toBeGreaterThan(Math.max(...after[0].batchSeqs));

    await submitFinding(r, agency);
    const final = await r.result();
    expect(await readModelDifferences(h.db, final)).toEqual([]);
  });

  it('does not follow past the worker limit: a projection then writes its batch and returns', async () => {
    const a = await startFollowed(); // holds the one following slot (maxConcurrent: 1)
    const b = await startFollowed();
    // B's first projection returns at once (a following one would wait up to 60 s here).
    const [firstOfB] = await eventually(async () => {
      const all = await projections(b.r);
      return all[0]?.done ? all : undefined;
    }, "B's first projection reported back");
    expect(firstOfB.projectedSeq).toBeUndefined();

    await submitFinding(b.r, b.agency);
    const finalB = await b.r.result();
    const ofB = await projections(b.r);
    expect(ofB.length).toBeGreaterThan(1);
    expect(ofB.filter((p) => p.followed)).toEqual([]);
    expect(await readModelDifferences(h.db, finalB)).toEqual([]);

    await submitFinding(a.r, a.agency);
    const finalA = await a.r.result();
    expect(await projections(a.r)).toHaveLength(1);
    expect(await readModelDifferences(h.db, finalA)).toEqual([]);
  });
});
