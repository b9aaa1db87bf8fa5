import { tokenFor } from '../support/auth';
import { apiClient } from '../support/http';
import type { Protocol } from '../../libs/domain/src/protocol/protocol.types';
import { IntakeFactory, ProtocolFactory, secondsClock, uniq } from '../support/factories';
import { eventually, startHarness, type Harness } from '../support/harness';

/**
 * The coordinator views (inbox, escalation queue, deadline calendar, summary, CSV export and the
 * review list's sort) through the HTTP API on real Temporal and PostgreSQL. Other test files
 * share the database, so assertions are scoped to this file's agencies, protocols and reviews.
 */
describe('coordinator views', () => {
  let h: Harness;
  let url: string;
  const tag = uniq();
  const agencyA = `a${tag}`;
  const agencyB = `b${tag}`;

  /** A one-step protocol for `agency` whose step has its own clock, and a three-level ladder. */
  const stepClockProtocol = (agency: string, stepSeconds: number): Protocol => {
    const p = ProtocolFactory.singleStep(agency).build();
    p.workstreams[0].steps[0].clock = secondsClock(stepSeconds);
    p.escalation.levels = [0, 1, 2].map((level) => ({
      level,
      name: `Level ${level}`,
      clock: secondsClock(600),
    }));
    return p;
  };
  const later = stepClockProtocol(agencyA, 600);
  const sooner = stepClockProtocol(agencyA, 300);
  const missed = stepClockProtocol(agencyB, 1);
  const quick = ProtocolFactory.singleStep().build();
  const quickAgency = quick.workstreams[0].agency;

  const { get, post } = apiClient(() => url);
  const json = async <T>(path: string): Promise<T> => {
    const res = await get(path);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const badFields = async (path: string): Promise<string[]> => {
    const res = await get(path);
    expect(res.status).toBe(400);
    return ((await res.json()) as { errors: { field: string }[] }).errors.map((e) => e.field);
  };

  interface Detail {
    id: string;
    status: string;
    modelName: string;
    workstreams: { agency: string; steps: { stepId: string; status: string }[] }[];
    timeline: { type: string; at: string; details: { stage?: string } }[];
  }

  /** Create a review and wait until its (only) step has opened. */
  const openReview = async (protocol: Protocol, intake: Record<string, unknown> = {}) => {
    const res = await post(
      '/reviews',
      IntakeFactory.body({ protocolKey: protocol.key, ...intake }),
    );
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    return eventually(async () => {
      const r = await json<Detail>(`/reviews/${id}`);
      return r.workstreams[0].steps[0].status === 'open' ? r : undefined;
    }, `review ${id}'s step to open`);
  };

  const finish = async (review: Detail, agency: string) => {
    const res = await post(
      `/reviews/${review.id}/findings`,
      { stepId: 'review', riskLevel: 'low', summary: 'No uplift' },
      tokenFor('agency-analyst', { agency }),
    );
    expect(res.status).toBe(200);
    return eventually(async () => {
      const r = await json<Detail>(`/reviews/${review.id}`);
      return r.status === 'closed' ? r : undefined;
    }, `review ${review.id} to close`);
  };

  let laterReview: Detail;
  let soonerReview: Detail;
  let missedReview: Detail;
  let closedReviews: Detail[];

  beforeAll(async () => {
    h = await startHarness({ api: true });
    url = h.api!.url;
    for (const p of [later, sooner, missed, quick]) await h.publishProtocol(p);
    laterReview = await openReview(later, {
      modelName: `sortcase-${tag}-1`,
      plannedReleaseDate: '2099-03-01',
    });
    soonerReview = await openReview(sooner, {
      modelName: `sortcase-${tag}-2`,
      plannedReleaseDate: '2099-01-01',
    });
    missedReview = await openReview(missed);
    closedReviews = [];
    for (const i of [3, 4]) {
      const review = await openReview(quick, {
        modelName: `sortcase-${tag}-${i}`,
        developerOrg: `=Lab "Quoted", Inc ${tag}`,
        plannedReleaseDate: '2099-02-01',
      });
      closedReviews.push(await finish(review, quickAgency));
    }
  });
  afterAll(async () => {
    for (const r of [laterReview, soonerReview, missedReview]) {
      if (r)
        await post(`/reviews/${r.id}/withdraw`, {
          reason: 'cleanup',
        });
    }
    await h.close();
  });

  describe('GET /agencies/:agency/inbox', () => {
    interface Inbox {
      agency: string;
      items: {
        reviewId: string;
        stepId: string;
        status: string;
        dueAt?: string;
        overdue: boolean;
        passedByBusinessDays: number;
        kind: string;
      }[];
    }

    it("lists the agency's open steps across reviews, due soonest first", async () => {
      const inbox = await json<Inbox>(`/agencies/${agencyA}/inbox`);
      expect(inbox.agency).toBe(agencyA);
      // The review created second has the shorter step clock, so it comes first.
      expect(inbox.items.map((i) => i.reviewId)).toEqual([soonerReview.id, laterReview.id]);
      expect(inbox.items[0]).toMatchObject({
        stepId: 'review',
        status: 'open',
        kind: 'manual',
        overdue: false,
        passedByBusinessDays: 0,
      });
      const dues = inbox.items.map((i) => Date.parse(i.dueAt!));
      expect(dues[0]).toBeLessThan(dues[1]);
      expect((await json<Inbox>(`/agencies/${agencyA}/inbox?kind=automated`)).items).toEqual([]);
      expect((await json<Inbox>(`/agencies/${agencyA}/inbox?limit=1`)).items).toHaveLength(1);
    });

    it('flags a step past its due date', async () => {
      const inbox = await eventually(async () => {
        const r = await json<Inbox>(`/agencies/${agencyB}/inbox`);
        return r.items[0]?.overdue ? r : undefined;
      }, 'the step to be overdue');
      expect(inbox.items).toHaveLength(1);
      expect(inbox.items[0]).toMatchObject({ reviewId: missedReview.id, overdue: true });
    });

    it('returns an empty inbox for a known agency with nothing open, 404 for an unknown one', async () => {
      expect((await json<Inbox>(`/agencies/${quickAgency}/inbox`)).items).toEqual([]);
      const unknown = await get(`/agencies/zz${uniq()}/inbox`);
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ code: 'AGENCY_NOT_FOUND' });
    });

    it('names bad parameters', async () => {
      expect(await badFields('/agencies/NOT_AN_AGENCY/inbox')).toEqual(['agency']);
      expect(await badFields(`/agencies/${agencyA}/inbox?kind=robotic&limit=0&extra=1`)).toEqual(
        expect.arrayContaining(['kind', 'limit', 'extra']),
      );
    });

    it('lists the agencies protocols name', async () => {
      const { items } = await json<{ items: { code: string; name: string }[] }>('/agencies');
      expect(items).toEqual(expect.arrayContaining([{ code: agencyA, name: `Agency ${agencyA}` }]));
    });
  });

  describe('GET /escalations', () => {
    interface Queue {
      items: {
        reviewId: string;
        escalationId: string;
        trigger: string;
        level: number;
        levelName: string;
        subject: string;
        raisedAt: string;
      }[];
    }

    beforeAll(async () => {
      const raised = await post(
        `/reviews/${laterReview.id}/escalations`,
        {
          subject: 'Access to the enclave is blocked',
          level: 2,
          reason: 'No access for three days',
        },
        tokenFor('agency-lead', { agency: agencyA }),
      );
      expect(raised.status).toBe(200);
      // The missed step deadline raises an escalation on its own.
      await eventually(async () => {
        const q = await json<Queue>('/escalations?trigger=missed_deadline');
        return q.items.some((e) => e.reviewId === missedReview.id) ? true : undefined;
      }, 'the missed-deadline escalation');
    });

    it('lists open escalations, highest level first, then oldest', async () => {
      const { items } = await json<Queue>('/escalations');
      const mine = items.filter((e) => [laterReview.id, missedReview.id].includes(e.reviewId));
      expect(mine.map((e) => [e.reviewId, e.trigger, e.level])).toEqual([
        [laterReview.id, 'manual', 2],
        [missedReview.id, 'missed_deadline', 0],
      ]);
      expect(mine[0]).toMatchObject({
        levelName: 'Level 2',
        subject: 'Access to the enclave is blocked',
      });
      for (let i = 1; i < items.length; i++) {
        const [a, b] = [items[i - 1], items[i]];
        expect(a.level > b.level || (a.level === b.level && a.raisedAt <= b.raisedAt)).toBe(true);
      }
    });

    it('filters by level and trigger, and drops acknowledged escalations', async () => {
      const atLevel = async (level: number) =>
        (
          await json<{ items: { id: string }[] }>(
            `/reviews?agency=${agencyA}&escalationLevel=${level}`,
          )
        ).items.map((r) => r.id);
      expect(await atLevel(2)).toEqual([laterReview.id]);
      expect(await atLevel(3)).toEqual([]);
      const manual = await json<Queue>('/escalations?trigger=manual&level=2');
      expect(manual.items.every((e) => e.trigger === 'manual' && e.level === 2)).toBe(true);
      const mine = manual.items.find((e) => e.reviewId === laterReview.id)!;
      expect(mine).toBeDefined();
      expect(
        (await json<Queue>('/escalations?level=0')).items.some(
          (e) => e.reviewId === laterReview.id,
        ),
      ).toBe(false);

      const ack = await post(
        `/reviews/${laterReview.id}/escalations/${mine.escalationId}/acknowledge`,
        {},
        tokenFor('agency-lead', { agency: agencyA }),
      );
      expect(ack.status).toBe(200);
      const after = await json<Queue>('/escalations?trigger=manual');
      expect(after.items.some((e) => e.reviewId === laterReview.id)).toBe(false);
      // The list's escalationLevel filter counts open escalations only.
      expect(await atLevel(2)).toEqual([]);
    });

    it('names bad parameters', async () => {
      expect(await badFields('/escalations?level=high&trigger=whim&limit=5000')).toEqual(
        expect.arrayContaining(['level', 'trigger', 'limit']),
      );
    });
  });

  describe('GET /deadlines', () => {
    interface Calendar {
      from: string;
      to: string;
      items: {
        reviewId: string;
        deadlineId: string;
        label: string;
        kind: string;
        agency?: string;
        dueAt: string;
        clockStopped: boolean;
      }[];
    }
    const day = (offset: number) =>
      new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

    it('lists open deadlines of open reviews in the range, soonest first', async () => {
      const cal = await json<Calendar>(`/deadlines?from=${day(-1)}&to=${day(1)}`);
      expect(cal).toMatchObject({ from: day(-1), to: day(1) });
      const later_ = cal.items.filter((d) => d.reviewId === laterReview.id);
      expect(later_.map((d) => d.deadlineId).sort()).toEqual([
        'assessment-window',
        `step:${agencyA}:review`,
      ]);
      expect(later_.find((d) => d.kind === 'step')).toMatchObject({
        agency: agencyA,
        clockStopped: false,
      });
      // The missed step deadline is no longer open; closed reviews have none.
      const ids = new Set(cal.items.map((d) => `${d.reviewId}/${d.deadlineId}`));
      expect(ids.has(`${missedReview.id}/step:${agencyB}:review`)).toBe(false);
      expect(cal.items.some((d) => closedReviews.some((r) => r.id === d.reviewId))).toBe(false);
      const dues = cal.items.map((d) => d.dueAt);
      expect([...dues].sort()).toEqual(dues);
    });

    it('shows an open clock stop and pending extensions, as the review detail does', async () => {
      // Stage deadlines are the coordinator's (the default client's token) to extend and stop.
      const actor = { id: 'coordinator@example.gov' };
      const extension = await post(`/reviews/${missedReview.id}/extensions`, {
        deadlineId: 'assessment-window',
        clock: { unit: 'duration', iso: 'PT900S' },
        justification: 'Range outage',
      });
      expect(extension.status).toBe(200);
      const stop = await post(`/reviews/${missedReview.id}/clock-stops`, {
        deadlineId: 'assessment-window',
        reasonCode: 'range-outage',
      });
      expect(stop.status).toBe(200);
      const cal = await json<Calendar & { items: { pendingExtensions: number }[] }>(
        `/deadlines?from=${day(-1)}&to=${day(1)}`,
      );
      expect(
        cal.items.find(
          (d) => d.reviewId === missedReview.id && d.deadlineId === 'assessment-window',
        ),
      ).toMatchObject({ kind: 'stage', clockStopped: true, pendingExtensions: 1 });
      const detail = await json<{
        deadlines: {
          id: string;
          clockStopped: boolean;
          extensions: { status: string; justification: string }[];
          clockStops: { reasonCode: string; by: string; to?: string }[];
        }[];
      }>(`/reviews/${missedReview.id}`);
      expect(detail.deadlines.find((d) => d.id === 'assessment-window')).toMatchObject({
        clockStopped: true,
        extensions: [{ status: 'pending', justification: 'Range outage' }],
        clockStops: [{ reasonCode: 'range-outage', by: actor.id }],
      });
    });

    it('returns nothing for a range with no deadlines', async () => {
      expect((await json<Calendar>('/deadlines?from=2000-01-01&to=2000-01-31')).items).toEqual([]);
    });

    it('names bad parameters', async () => {
      expect(await badFields('/deadlines')).toEqual(expect.arrayContaining(['from', 'to']));
      expect(await badFields('/deadlines?from=2027-02-30&to=2027-03-01')).toEqual(['from']);
      expect(await badFields('/deadlines?from=2027-03-01&to=2027-02-01')).toEqual(['to']);
      expect(await badFields('/deadlines?from=2027-01-01&to=2029-01-01')).toEqual(['to']);
    });
  });

  describe('GET /summary', () => {
    interface Summary {
      openByStage: { stage: string; count: number }[];
      overdueStepsByAgency: { agency: string; overdueSteps: number }[];
      medianDaysPerStage: { stage: string; medianDays: number; samples: number }[];
    }

    it('counts open reviews by stage and overdue steps by agency', async () => {
      const s = await json<Summary>(`/summary?protocol=${missed.key}`);
      expect(s.openByStage).toEqual([
        { stage: 'intake', count: 0 },
        { stage: 'designation', count: 0 },
        { stage: 'assessment', count: 1 },
        { stage: 'consolidation', count: 0 },
        { stage: 'determination', count: 0 },
      ]);
      expect(s.overdueStepsByAgency).toEqual([{ agency: agencyB, overdueSteps: 1 }]);
      const all = await json<Summary>('/summary');
      expect(all.overdueStepsByAgency).toEqual(
        expect.arrayContaining([{ agency: agencyB, overdueSteps: 1 }]),
      );
      expect(all.overdueStepsByAgency.some((a) => a.agency === agencyA)).toBe(false);
    });

    it('takes the median time in each stage from the stage_changed timeline', async () => {
      const s = await json<Summary>(`/summary?protocol=${quick.key}`);
      expect(s.openByStage.every((x) => x.count === 0)).toBe(true);
      // Each closed review passed assessment, consolidation and determination once.
      const spent = (r: Detail, stage: string) => {
        const marks = r.timeline.filter(
          (e) => e.type === 'stage_changed' || e.type === 'review_closed',
        );
        const i = marks.findIndex((e) => e.type === 'stage_changed' && e.details.stage === stage);
        return (Date.parse(marks[i + 1].at) - Date.parse(marks[i].at)) / 86_400_000;
      };
      expect(s.medianDaysPerStage.map((x) => x.stage)).toEqual([
        'assessment',
        'consolidation',
        'determination',
      ]);
      for (const x of s.medianDaysPerStage) {
        const [a, b] = closedReviews.map((r) => spent(r, x.stage));
        expect(x.samples).toBe(2);
        expect(x.medianDays).toBeCloseTo((a + b) / 2, 9);
      }
      expect((await json<Summary>(`/summary?protocol=${later.key}`)).medianDaysPerStage).toEqual(
        [],
      );
    });

    it('names bad parameters', async () => {
      expect(await badFields('/summary?protocol=Bad!&since=yesterday')).toEqual(
        expect.arrayContaining(['protocol', 'since']),
      );
    });
  });

  describe('GET /reviews filters read from the workstream, deadline and step tables', () => {
    const ids = async (query: string) =>
      (await json<{ items: { id: string; overdue: boolean }[] }>(`/reviews?${query}`)).items.map(
        (r) => [r.id, r.overdue],
      );

    it('filters by agency and flags a review whose missed step is still open as overdue', async () => {
      expect(await ids(`agency=${agencyA}&sort=createdAt`)).toEqual([
        [laterReview.id, false],
        [soonerReview.id, false],
      ]);
      // Its step deadline was missed (closed as missed, escalated) but the step is still open.
      expect(await ids(`agency=${agencyB}&overdue=true`)).toEqual([[missedReview.id, true]]);
      expect(await ids(`agency=${agencyB}&overdue=false`)).toEqual([]);
      expect(await ids(`agency=${agencyA}&overdue=true`)).toEqual([]);
      expect(await ids(`agency=${agencyA}&overdue=false`)).toHaveLength(2);
      expect(await json<{ overdue: boolean }>(`/reviews/${missedReview.id}`)).toMatchObject({
        overdue: true,
      });
    });
  });

  describe('GET /reviews.csv', () => {
    it('exports the filtered list as escaped CSV', async () => {
      const res = await get(`/reviews.csv?status=closed&q=sortcase-${tag}&sort=createdAt`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="reviews.csv"/);
      const text = await res.text();
      const lines = text.split('\r\n');
      expect(lines[0]).toBe(
        'marking,id,status,stage,protocol,developerOrg,modelName,modelVersion,plannedReleaseDate,leadAgency,nextDeadline,overdue,escalationLevel,closureReason,determination,progress,refiledFrom,createdAt,updatedAt',
      );
      expect(res.headers.get('x-content-marking')).toBe('CUI//SP-PROPIN');
      expect(lines.slice(1, -1).map((l) => l.split(',')[0])).toEqual(
        closedReviews.map(() => 'CUI//SP-PROPIN'),
      );
      expect(lines.slice(1, -1).map((l) => l.split(',')[1])).toEqual(
        closedReviews.map((r) => r.id),
      );
      expect(lines[lines.length - 1]).toBe('');
      // Comma and quotes quoted, the leading "=" defused.
      expect(lines[1]).toContain(`,"'=Lab ""Quoted"", Inc ${tag}",sortcase-${tag}-3,`);
      expect(lines[1]).toContain(`,closed,closed,${quick.key}@1,`);
      expect(lines[1]).toContain(`,completed,no_concerns,${quickAgency}=100%,`);
    });

    it('returns just the header when nothing matches, and names bad parameters', async () => {
      expect(await (await get(`/reviews.csv?q=nothing-${uniq()}`)).text()).toMatch(
        /^marking,id,status,[^\r\n]*\r\n$/,
      );
      expect(await badFields('/reviews.csv?limit=10&overdue=perhaps')).toEqual(
        expect.arrayContaining(['limit', 'overdue']),
      );
    });
  });

  describe('GET /reviews?sort=', () => {
    /** Every id of the sort-case reviews, one per page, so each page boundary uses a cursor. */
    const walk = async (sort: string): Promise<string[]> => {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await json<{ items: { id: string }[]; nextCursor?: string }>(
          `/reviews?q=sortcase-${tag}&limit=1&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`,
        );
        ids.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor && ids.length < 10);
      return ids;
    };

    it('sorts by planned release date, creation and next deadline across cursor pages', async () => {
      const [l, s, c3, c4] = [
        laterReview.id,
        soonerReview.id,
        closedReviews[0].id,
        closedReviews[1].id,
      ];
      expect(await walk('createdAt')).toEqual([l, s, c3, c4]);
      expect(await walk('-createdAt')).toEqual([c4, c3, s, l]);
      expect(await walk('plannedReleaseDate')).toEqual([s, ...[c3, c4].sort(), l]);
      // Open reviews by next deadline (the shorter step clock first); closed ones have none.
      const byDeadline = await walk('nextDeadline');
      expect(byDeadline.slice(0, 2)).toEqual([s, l]);
      expect(byDeadline.slice(2)).toEqual([c3, c4].sort());
    });

    it('refuses an unknown sort and a cursor from another sort', async () => {
      expect(await badFields('/reviews?sort=modelName')).toEqual(['sort']);
      const page = await json<{ nextCursor: string }>(
        `/reviews?q=sortcase-${tag}&limit=1&sort=createdAt`,
      );
      const res = await get(
        `/reviews?q=sortcase-${tag}&limit=1&sort=nextDeadline&cursor=${page.nextCursor}`,
      );
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        code: 'INVALID_CURSOR',
        errors: [{ field: 'cursor' }],
      });
      // Forged cursors are refused before they reach SQL; ones from before `sort` still work.
      const cursor = (value: unknown[]) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const someId = '00000000-0000-4000-8000-000000000000';
      for (const forged of [
        ['createdAt', '2027-02-30T00:00:00.000000Z', someId],
        ['plannedReleaseDate', 'soon', someId],
        ['createdAt', null, someId],
        ['createdAt', '2027-01-01T00:00:00Z'],
      ]) {
        expect((await get(`/reviews?sort=${forged[0]}&cursor=${cursor(forged)}`)).status).toBe(400);
      }
      const legacy = await get(
        `/reviews?q=sortcase-${tag}&cursor=${cursor([new Date().toISOString(), someId])}`,
      );
      expect(legacy.status).toBe(200);
      expect(((await legacy.json()) as { items: unknown[] }).items).toHaveLength(4);
    });
  });
});
