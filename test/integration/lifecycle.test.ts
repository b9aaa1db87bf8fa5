import { WorkflowUpdateFailedError } from '@temporalio/client';
import { endOfDay, toDateString } from '../../libs/domain/src/clock/business-calendar';
import type { Protocol } from '../../libs/domain/src/protocol/protocol.types';
import {
  acceptIntakeUpdate,
  acknowledgeEscalationUpdate,
  answerInformationUpdate,
  calendarChangedSignal,
  changeReleaseDateUpdate,
  decideConsolidationUpdate,
  decideExtensionUpdate,
  designateUpdate,
  issueDeterminationUpdate,
  requestExtensionUpdate,
  requestInformationUpdate,
  resumeClockUpdate,
  stopClockUpdate,
  submitFindingUpdate,
  withdrawUpdate,
} from '../../workflows/definitions';
import { ProtocolFactory, secondsClock } from '../support/factories';
import { eventually, startHarness, type Harness } from '../support/harness';
import {
  expectRejected,
  startReview,
  stateOf,
  stepOf,
  waitForState,
  type ReviewHandle,
} from '../support/reviews';

const actor = (id: string, agency?: string) => ({ actor: { id, agency } });

/** The whole lifecycle on the real Temporal server, driven through the workflow API. */
describe('review lifecycle', () => {
  let h: Harness;
  const ctfResults = new Map<string, 'low' | 'alert' | 'high' | 'critical'>();

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  /** Serve the lead agency's automated step; the risk level per review comes from ctfResults. */
  async function servingLead(p: Protocol): Promise<void> {
    const lead = p.workstreams[0];
    await h.addAgencyWorker(lead.agency, {
      [lead.steps[0].stepType!]: async (input: { reviewId: string }) => ({
        riskLevel: ctfResults.get(input.reviewId) ?? 'low',
        summary: 'scripted CTF result',
        rationale: 'scripted',
      }),
    });
  }

  const agencies = (p: Protocol) => ({
    lead: p.workstreams[0].agency,
    m1: p.workstreams[1].agency,
    m2: p.workstreams[2].agency,
  });
  const ws = (r: ReviewHandle, agency: string) =>
    h.client.workflow.getHandle(`${r.workflowId}-ws-${agency}`);

  async function throughDesignation(p: Protocol, r: ReviewHandle) {
    const { m1 } = agencies(p);
    await waitForState(r, (s) => s.stage === 'intake', 'intake');
    await r.executeUpdate(acceptIntakeUpdate, { args: [actor('coordinator')] });
    await waitForState(r, (s) => s.stage === 'designation', 'designation');
    await r.executeUpdate(designateUpdate, {
      args: [{ ...actor('director', m1), designation: 'covered' }],
    });
    await waitForState(r, (s) => s.stage === 'assessment', 'assessment');
  }

  async function submitAll(
    p: Protocol,
    r: ReviewHandle,
    levels: { range: string; benchmark: string; infrastructure: string },
  ) {
    const { lead, m1, m2 } = agencies(p);
    await waitForState(
      r,
      // Every workstream has reported its open steps (after a worker restart children may lag).
      (s) =>
        stepOf(s, lead, 'range').status === 'open' &&
        stepOf(s, m1, 'benchmark').status === 'open' &&
        stepOf(s, m2, 'infrastructure').status === 'open',
      'every manual step to open (range after the automated step)',
    );
    const finding = (
      agency: string,
      stepId: string,
      riskLevel: string,
      extra: Record<string, unknown> = {},
    ) => ({
      ...actor(`analyst-${stepId}`, agency),
      stepId,
      riskLevel: riskLevel as 'low',
      summary: `${stepId} result`,
      rationale: 'Observed uplift in scripted scenarios',
      ...extra,
    });
    await ws(r, lead).executeUpdate(submitFindingUpdate, {
      args: [finding(lead, 'range', levels.range)],
    });
    await ws(r, m1).executeUpdate(submitFindingUpdate, {
      args: [finding(m1, 'benchmark', levels.benchmark, { reference: 'NSA-CB-2026-0042' })],
    });
    await ws(r, m2).executeUpdate(submitFindingUpdate, {
      args: [finding(m2, 'infrastructure', levels.infrastructure)],
    });
  }

  it('runs every stage to an advisory determination, with information requests stopping the clock', async () => {
    const p = ProtocolFactory.defaultShape().build();
    await servingLead(p);
    const r = await startReview(h.client, p);
    ctfResults.set((await stateOf(r)).reviewId, 'high');

    const info = await r.executeUpdate(requestInformationUpdate, {
      args: [{ ...actor('coordinator'), question: 'Which safeguards variant is under test?' }],
    });
    let s = await stateOf(r);
    expect(s.deadlines.find((d) => d.id === 'intake')!.stops).toHaveLength(1);
    await expect(
      r.executeUpdate(acceptIntakeUpdate, { args: [actor('coordinator')] }),
    ).rejects.toThrow(WorkflowUpdateFailedError);
    const dueBefore = s.deadlines.find((d) => d.id === 'intake')!.dueMs;
    await new Promise((res) => setTimeout(res, 1500));
    await r.executeUpdate(answerInformationUpdate, {
      args: [{ ...actor('dana@example.com'), requestId: info.id, answer: 'safeguards-on' }],
    });
    s = await stateOf(r);
    // The clock was stopped ~1.5 s, so the intake deadline moved at least that far.
    expect(s.deadlines.find((d) => d.id === 'intake')!.dueMs - dueBefore).toBeGreaterThanOrEqual(
      1400,
    );

    // The designation belongs to the designating agency alone.
    await r.executeUpdate(acceptIntakeUpdate, { args: [actor('coordinator')] });
    await waitForState(r, (x) => x.stage === 'designation', 'designation');
    await expectRejected(
      r.executeUpdate(designateUpdate, {
        args: [{ ...actor('someone', 'other'), designation: 'covered' }],
      }),
      /actor.agency/,
    );
    await r.executeUpdate(designateUpdate, {
      args: [{ ...actor('director', agencies(p).m1), designation: 'covered' }],
    });

    await submitAll(p, r, { range: 'high', benchmark: 'high', infrastructure: 'low' });
    s = await waitForState(r, (x) => x.stage === 'determination', 'determination');
    expect(s.consolidation!.map((o) => [o.domain, o.riskLevel, o.method])).toEqual([
      ['critical-infrastructure', 'low', 'consensus'],
      ['offensive-cyber', 'high', 'consensus'],
    ]);
    // Classified findings keep the reference only.
    const benchmark = stepOf(s, agencies(p).m1, 'benchmark').finding!;
    expect(benchmark.reference).toBe('NSA-CB-2026-0042');
    expect(benchmark.summary).not.toContain('benchmark result');

    await expectRejected(
      r.executeUpdate(issueDeterminationUpdate, {
        args: [
          {
            ...actor('coordinator'),
            determination: 'significant_concerns',
            rationale: 'High offensive uplift',
          },
        ],
      }),
      /recommendation/,
    );
    await r.executeUpdate(issueDeterminationUpdate, {
      args: [
        {
          ...actor('coordinator'),
          determination: 'significant_concerns',
          rationale: 'High offensive uplift',
          recommendation: 'Limit trusted partners to vetted defenders for 30 days',
        },
      ],
    });
    const final = await r.result();
    expect(final.closure!.reason).toBe('completed');
    expect(final.determination).toMatchObject({
      determination: 'significant_concerns',
      suggested: 'significant_concerns',
    });
    const described = await r.describe();
    expect(described.searchAttributes).toMatchObject({
      ReviewStatus: ['closed'],
      ReviewStage: ['closed'],
      LeadAgency: [agencies(p).lead],
    });
  });

  it('closes as not covered when the designating agency says so', async () => {
    const p = ProtocolFactory.defaultShape().build();
    const r = await startReview(h.client, p);
    await r.executeUpdate(acceptIntakeUpdate, { args: [actor('coordinator')] });
    await waitForState(r, (s) => s.stage === 'designation', 'designation');
    await r.executeUpdate(designateUpdate, {
      args: [
        {
          ...actor('director', agencies(p).m1),
          designation: 'not_covered',
          rationale: 'Below the capability threshold',
        },
      ],
    });
    const final = await r.result();
    expect(final.closure!.reason).toBe('not_covered');
    expect(final.workstreams.every((w) => w.status === 'pending')).toBe(true);
  });

  it('settles a dissent by coordinator decision, keeps the dissent, and escalates it', async () => {
    const p = ProtocolFactory.defaultShape().build();
    await servingLead(p);
    const r = await startReview(h.client, p);
    ctfResults.set((await stateOf(r)).reviewId, 'low');
    await throughDesignation(p, r);
    // offensive-cyber: lead says critical (ctf low + range critical → highest critical), m1 says low: 1-1, no majority.
    await submitAll(p, r, { range: 'critical', benchmark: 'low', infrastructure: 'alert' });
    let s = await waitForState(
      r,
      (x) => x.stage === 'consolidation' && !!x.consolidation,
      'consolidation',
    );
    const disputed = s.consolidation!.find((o) => o.domain === 'offensive-cyber')!;
    expect(disputed.method).toBe('pending');
    expect(s.escalations.some((e) => e.trigger === 'dissent')).toBe(true);
    await expectRejected(
      r.executeUpdate(decideConsolidationUpdate, {
        args: [
          {
            ...actor('coordinator'),
            domain: 'critical-infrastructure',
            riskLevel: 'low',
            rationale: 'x',
          },
        ],
      }),
      /consensus/,
    );
    await r.executeUpdate(decideConsolidationUpdate, {
      args: [
        {
          ...actor('coordinator'),
          domain: 'offensive-cyber',
          riskLevel: 'high',
          rationale: 'Range results outweigh the benchmark',
        },
      ],
    });
    s = await waitForState(r, (x) => x.stage === 'determination', 'determination');
    const decided = s.consolidation!.find((o) => o.domain === 'offensive-cyber')!;
    expect(decided).toMatchObject({ riskLevel: 'high', method: 'coordinator' });
    expect(decided.dissents.map((d) => d.agency).sort()).toEqual(
      [agencies(p).lead, agencies(p).m1].sort(),
    );
    await r.executeUpdate(withdrawUpdate, {
      args: [{ ...actor('dana@example.com'), reason: 'done testing' }],
    });
  });

  it.each(['intake', 'designation', 'assessment', 'consolidation', 'determination'] as const)(
    'withdrawal in %s always succeeds and leaves nothing running',
    async (stage) => {
      const p = ProtocolFactory.defaultShape().build();
      await servingLead(p);
      const r = await startReview(h.client, p);
      const reviewId = (await stateOf(r)).reviewId;
      ctfResults.set(reviewId, 'low');
      if (stage !== 'intake') {
        await r.executeUpdate(acceptIntakeUpdate, { args: [actor('coordinator')] });
        await waitForState(r, (s) => s.stage === 'designation', 'designation');
      }
      if (stage !== 'intake' && stage !== 'designation') {
        await r.executeUpdate(designateUpdate, {
          args: [{ ...actor('director', agencies(p).m1), designation: 'covered' }],
        });
        await waitForState(r, (s) => s.stage === 'assessment', 'assessment');
      }
      if (stage === 'consolidation' || stage === 'determination') {
        await submitAll(
          p,
          r,
          stage === 'consolidation'
            ? { range: 'critical', benchmark: 'low', infrastructure: 'low' }
            : { range: 'low', benchmark: 'low', infrastructure: 'low' },
        );
        await waitForState(r, (s) => s.stage === stage, stage);
      } else if (stage === 'assessment') {
        await waitForState(
          r,
          (s) => s.workstreams.every((w) => w.status === 'running'),
          'workstreams running',
        );
      }
      const closed = await r.executeUpdate(withdrawUpdate, {
        args: [{ ...actor('dana@example.com'), reason: 'Release cancelled' }],
      });
      expect(closed.closure).toMatchObject({
        reason: 'withdrawn',
        by: 'dana@example.com',
        justification: 'Release cancelled',
      });
      await r.result();
      // Nothing of this review is still running in Temporal.
      const running = h.client.workflow.list({
        query: `WorkflowId STARTS_WITH '${r.workflowId}' AND ExecutionStatus = 'Running'`,
      });
      const ids: string[] = [];
      for await (const wf of running) ids.push(wf.workflowId);
      expect(ids).toEqual([]);
      for (const w of closed.workstreams) {
        if (stage === 'assessment') {
          const d = await h.client.workflow.getHandle(w.workflowId).describe();
          expect(d.status.name).toBe('CANCELLED');
        }
      }
      // Late actions are refused.
      await expect(
        r.executeUpdate(acceptIntakeUpdate, { args: [actor('coordinator')] }),
      ).rejects.toThrow();
    },
  );

  it('walks a missed deadline up every escalation level', async () => {
    const p = ProtocolFactory.defaultShape()
      .withStageClock('intake', secondsClock(1))
      .withEscalationClocks(secondsClock(1))
      .build();
    const r = await startReview(h.client, p);
    const s = await waitForState(
      r,
      (x) => x.escalations[0]?.status === 'exhausted',
      'the ladder to be exhausted',
      40_000,
    );
    expect(s.escalations[0].history.map((x) => x.level)).toEqual([0, 1, 2, 3, 4]);
    expect(s.escalations[0].trigger).toBe('missed_deadline');
    expect(s.deadlines.find((d) => d.id === 'intake')!.status).toBe('missed');
    await r.executeUpdate(withdrawUpdate, { args: [actor('dana@example.com')] });
  }, 60_000);

  it('stops the climb when a level is acknowledged', async () => {
    const p = ProtocolFactory.defaultShape()
      .withStageClock('intake', secondsClock(1))
      .withEscalationClocks(secondsClock(3))
      .build();
    const r = await startReview(h.client, p);
    const first = await waitForState(r, (x) => x.escalations.length > 0, 'an escalation');
    await expectRejected(
      r.executeUpdate(acknowledgeEscalationUpdate, {
        args: [{ ...actor('staff-lead'), escalationId: 'esc-99' }],
      }),
      /no escalation/,
    );
    await r.executeUpdate(acknowledgeEscalationUpdate, {
      args: [{ ...actor('staff-lead'), escalationId: first.escalations[0].id }],
    });
    await new Promise((res) => setTimeout(res, 4000));
    const after = await stateOf(r);
    expect(after.escalations[0]).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'staff-lead',
      level: 0,
    });
    expect(after.escalations[0].history).toHaveLength(1);
    await r.executeUpdate(withdrawUpdate, { args: [actor('dana@example.com')] });
  }, 60_000);

  it('grants and refuses extensions on the record, and stops and resumes clocks with a reason code', async () => {
    const p = ProtocolFactory.defaultShape().build();
    const r = await startReview(h.client, p);
    await waitForState(r, (s) => s.deadlines.some((d) => d.id === 'intake'), 'intake deadline');
    const due0 = (await stateOf(r)).deadlines.find((d) => d.id === 'intake')!.dueMs;

    const granted = await r.executeUpdate(requestExtensionUpdate, {
      args: [
        {
          ...actor('caisi-lead'),
          deadlineId: 'intake',
          clock: { unit: 'duration', iso: 'PT60S' },
          justification: 'Large artifact set',
        },
      ],
    });
    await r.executeUpdate(decideExtensionUpdate, {
      args: [
        { ...actor('coordinator'), extensionId: granted.id, grant: true, reason: 'Justified' },
      ],
    });
    const due1 = (await stateOf(r)).deadlines.find((d) => d.id === 'intake')!.dueMs;
    expect(due1 - due0).toBe(60_000);

    const refused = await r.executeUpdate(requestExtensionUpdate, {
      args: [
        {
          ...actor('caisi-lead'),
          deadlineId: 'intake',
          clock: { unit: 'duration', iso: 'PT60S' },
          justification: 'More time please',
        },
      ],
    });
    await expectRejected(
      r.executeUpdate(decideExtensionUpdate, {
        args: [{ ...actor('coordinator'), extensionId: refused.id, grant: false }],
      }),
      /reason/,
    );
    await r.executeUpdate(decideExtensionUpdate, {
      args: [
        { ...actor('coordinator'), extensionId: refused.id, grant: false, reason: 'Not justified' },
      ],
    });
    let s = await stateOf(r);
    expect(s.deadlines.find((d) => d.id === 'intake')!.dueMs).toBe(due1);
    expect(s.deadlines.find((d) => d.id === 'intake')!.extensions.map((e) => e.status)).toEqual([
      'granted',
      'refused',
    ]);

    await expectRejected(
      r.executeUpdate(stopClockUpdate, {
        args: [{ ...actor('coordinator'), deadlineId: 'intake', reasonCode: '' }],
      }),
      /reasonCode/,
    );
    await r.executeUpdate(stopClockUpdate, {
      args: [
        { ...actor('coordinator'), deadlineId: 'intake', reasonCode: 'developer-unavailable' },
      ],
    });
    await new Promise((res) => setTimeout(res, 1200));
    await r.executeUpdate(resumeClockUpdate, {
      args: [{ ...actor('coordinator'), deadlineId: 'intake', reasonCode: 'resume' }],
    });
    s = await stateOf(r);
    const intake = s.deadlines.find((d) => d.id === 'intake')!;
    expect(intake.stops[0].reasonCode).toBe('developer-unavailable');
    expect(intake.dueMs - due1).toBeGreaterThanOrEqual(1100);
    await r.executeUpdate(withdrawUpdate, { args: [actor('dana@example.com')] });
  });

  it('moves deadlines when a closure day is added and when the release date moves', async () => {
    const p = ProtocolFactory.defaultShape()
      .withStageClock('intake', { unit: 'business_days', amount: 10 })
      .withStageClock('assessment', { unit: 'calendar_days', amount: 30 })
      .build();
    const r = await startReview(h.client, p);
    const s0 = await waitForState(
      r,
      (s) => s.deadlines.some((d) => d.id === 'intake'),
      'intake deadline',
    );
    const due0 = s0.deadlines.find((d) => d.id === 'intake')!.dueMs;
    // Close the first business day after today: the 10-business-day deadline moves by one business day.
    let closure = Date.now() + 86_400_000;
    while ([0, 6].includes(new Date(closure).getUTCDay())) closure += 86_400_000;
    await r.signal(calendarChangedSignal, {
      ...actor('operator'),
      reason: 'Shutdown',
      nonBusinessDates: [toDateString(closure)],
    });
    const s1 = await waitForState(
      r,
      (s) => s.deadlines.find((d) => d.id === 'intake')!.dueMs !== due0,
      'the deadline to move',
    );
    const due1 = s1.deadlines.find((d) => d.id === 'intake')!.dueMs;
    const movedDays = (due1 - due0) / 86_400_000;
    expect([1, 3]).toContain(movedDays); // one business day later: next day, or across a weekend

    await r.executeUpdate(acceptIntakeUpdate, { args: [actor('coordinator')] });
    await waitForState(r, (s) => s.stage === 'designation', 'designation');
    await r.executeUpdate(designateUpdate, {
      args: [{ ...actor('director', agencies(p).m1), designation: 'covered' }],
    });
    const s2 = await waitForState(
      r,
      (s) => s.deadlines.some((d) => d.id === 'assessment-window'),
      'window',
    );
    const tomorrow = toDateString(Date.now() + 86_400_000 * 3);
    expect(s2.deadlines.find((d) => d.id === 'assessment-window')!.dueMs).toBeGreaterThan(
      endOfDay(tomorrow),
    );
    await r.executeUpdate(changeReleaseDateUpdate, {
      args: [
        { ...actor('dana@example.com'), plannedReleaseDate: tomorrow, reason: 'Earlier launch' },
      ],
    });
    const s3 = await stateOf(r);
    expect(s3.deadlines.find((d) => d.id === 'assessment-window')!.dueMs).toBe(endOfDay(tomorrow));
    await expectRejected(
      r.executeUpdate(changeReleaseDateUpdate, {
        args: [{ ...actor('dana@example.com'), plannedReleaseDate: '2001-01-01' }],
      }),
      /past/,
    );
    await r.executeUpdate(withdrawUpdate, { args: [actor('dana@example.com')] });
  });

  it('lapses when the assessment window ends without the findings, cancelling the workstreams', async () => {
    const p = ProtocolFactory.defaultShape().withStageClock('assessment', secondsClock(3)).build();
    await servingLead(p);
    const r = await startReview(h.client, p);
    ctfResults.set((await stateOf(r)).reviewId, 'low');
    await throughDesignation(p, r);
    const final = await r.result();
    expect(final.closure!.reason).toBe('lapsed');
    for (const w of final.workstreams) {
      const d = await h.client.workflow.getHandle(w.workflowId).describe();
      expect(d.status.name).toBe('CANCELLED');
    }
  });

  it('rejects duplicate, invalid and late findings in the update validator', async () => {
    const p = ProtocolFactory.singleStep().build();
    const agency = p.workstreams[0].agency;
    const r = await startReview(h.client, p);
    await waitForState(r, (s) => stepOf(s, agency, 'review').status === 'open', 'step open');
    const w = ws(r, agency);
    const base = { ...actor('analyst', agency), stepId: 'review', summary: 'ok' };
    await expectRejected(
      w.executeUpdate(submitFindingUpdate, {
        args: [{ ...base, ...actor('intruder', 'another-agency'), riskLevel: 'low' }],
      }),
      /actor.agency: only/,
    );
    await expectRejected(
      w.executeUpdate(submitFindingUpdate, {
        args: [{ ...base, stepId: 'unknown', riskLevel: 'low' }],
      }),
      /no step "unknown"/,
    );
    await expectRejected(
      w.executeUpdate(submitFindingUpdate, { args: [{ ...base, riskLevel: 'severe' as 'low' }] }),
      /riskLevel/,
    );
    await expectRejected(
      w.executeUpdate(submitFindingUpdate, { args: [{ ...base, riskLevel: 'high' }] }),
      /rationale/,
    );
    await expectRejected(
      w.executeUpdate(submitFindingUpdate, {
        args: [{ ...base, actor: { id: '' }, riskLevel: 'low' }],
      }),
      /actor/,
    );
    await w.executeUpdate(submitFindingUpdate, { args: [{ ...base, riskLevel: 'low' }] });
    const final = await r.result();
    expect(final.closure!.reason).toBe('completed');
    // Late: the workstream has finished, so the update cannot be delivered at all.
    await expect(
      w.executeUpdate(submitFindingUpdate, { args: [{ ...base, riskLevel: 'low' }] }),
    ).rejects.toThrow();
  });

  it('keeps every finding when the last two arrive back to back', async () => {
    // The workstream ends as soon as its last step settles. A finding that arrives while the
    // workstream is still signalling the previous one reaches the parent only through the
    // workstream's result; the parent once dropped it and went on with a step still open.
    const p = ProtocolFactory.singleStep().build();
    const agency = p.workstreams[0].agency;
    p.workstreams[0].steps = ['first', 'second', 'third'].map((id) => ({
      ...p.workstreams[0].steps[0],
      id,
      title: id,
    }));
    const reviews = await Promise.all(Array.from({ length: 6 }, () => startReview(h.client, p)));
    const finals = await Promise.all(
      reviews.map(async (r) => {
        await waitForState(
          r,
          (s) => s.workstreams[0].steps.every((x) => x.status === 'open'),
          'steps open',
        );
        for (const stepId of ['first', 'second', 'third']) {
          await ws(r, agency).executeUpdate(submitFindingUpdate, {
            args: [{ ...actor('analyst', agency), stepId, riskLevel: 'low', summary: stepId }],
          });
        }
        return r.result();
      }),
    );
    for (const final of finals) {
      expect(final.closure!.reason).toBe('completed');
      expect(final.workstreams[0].steps.map((x) => [x.stepId, x.status])).toEqual([
        ['first', 'done'],
        ['second', 'done'],
        ['third', 'done'],
      ]);
    }
  });

  it('survives the core worker being stopped mid-review and finds reviews by search attributes', async () => {
    const p = ProtocolFactory.defaultShape().withAutomaticDetermination().build();
    await servingLead(p);
    const r = await startReview(h.client, p);
    ctfResults.set((await stateOf(r)).reviewId, 'low');
    await throughDesignation(p, r);

    // Custom search attributes make the review findable in Temporal (and in its UI).
    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const wf of h.client.workflow.list({
        query: `ReviewStage = 'assessment' AND LeadAgency = '${agencies(p).lead}'`,
      }))
        ids.push(wf.workflowId);
      return ids.includes(r.workflowId) ? ids : undefined;
    }, 'the review in a visibility query');
    expect(found).toContain(r.workflowId);

    await h.restartCoreWorker();
    await submitAll(p, r, { range: 'low', benchmark: 'low', infrastructure: 'low' });
    const final = await r.result();
    expect(final.closure!.reason).toBe('completed');
    expect(final.determination!.determination).toBe('no_concerns');
    // Read model converged: one row per event, no gaps or duplicates.
    const rows: { seq: number }[] = await h.db.query(
      'SELECT seq FROM review_events WHERE review_id = $1 ORDER BY seq',
      [final.reviewId],
    );
    expect(rows.map((x) => x.seq)).toEqual(Array.from({ length: final.seq }, (_, i) => i + 1));
    const review: { last_seq: number; status: string }[] = await h.db.query(
      'SELECT last_seq, status FROM reviews WHERE id = $1',
      [final.reviewId],
    );
    expect(review[0]).toEqual({ last_seq: final.seq, status: 'closed' });
  });

  it('sends a reminder before a deadline, then records the miss', async () => {
    const base = ProtocolFactory.defaultShape().withStageClock('intake', secondsClock(4)).build();
    const p = { ...base, reminders: [{ before: secondsClock(2) }] };
    const r = await startReview(h.client, p);
    const s = await waitForState(
      r,
      (x) => x.deadlines.find((d) => d.id === 'intake')?.status === 'missed',
      'the intake deadline to pass',
      20_000,
    );
    const intake = s.deadlines.find((d) => d.id === 'intake')!;
    expect(intake.remindedAtMs).toBeDefined();
    expect(intake.remindedAtMs!).toBeLessThan(intake.dueMs);
    expect(intake.remindedAtMs!).toBeGreaterThanOrEqual(intake.dueMs - 2_000);
    await r.executeUpdate(withdrawUpdate, { args: [actor('dana@example.com')] });
  });

  it('ends as cancelled when Temporal cancels it mid-assessment, its workstreams with it', async () => {
    // Not the engine's way to end a review (withdrawal and an operator's terminate are), but an
    // operator can cancel a workflow from Temporal's own UI or CLI. The loops that run beside the
    // stages (projector, timers, feed) used to leave the cancellation unhandled, which failed
    // every workflow task from then on: the review never ended.
    let end = () => {};
    const ended = new Promise<void>((r) => (end = r));
    const p = ProtocolFactory.defaultShape()
      .withoutStage('intake')
      .withoutStage('designation')
      .allAutomated()
      .build();
    for (const ws of p.workstreams)
      await h.addAgencyWorker(ws.agency, {
        // Until the review ends (the worker's shutdown waits for its activities).
        [`${ws.agency}.noop`]: async () => {
          await ended;
          return { riskLevel: 'low', summary: 'slow step' };
        },
      });
    try {
      const r = await startReview(h.client, p);
      await waitForState(
        r,
        (s) => s.workstreams.every((w) => w.status === 'running'),
        'the workstreams running',
      );
      await r.cancel();
      const children = p.workstreams.map((w) =>
        h.client.workflow.getHandle(`${r.workflowId}-ws-${w.agency}`),
      );
      for (const handle of [r, ...children])
        expect(
          await eventually(async () => {
            const { status } = await handle.describe();
            return status.name === 'RUNNING' ? undefined : status.name;
          }, `${handle.workflowId} to end`),
        ).toBe('CANCELLED');
      const failures = ((await r.fetchHistory()).events ?? []).flatMap(
        (e) => e.workflowTaskFailedEventAttributes?.failure?.message ?? [],
      );
      expect(failures.filter((m) => /Unhandled Promise rejection/.test(m))).toEqual([]);
    } finally {
      end();
    }
  });

  it('fails an automated step on record when the agency returns an invalid result', async () => {
    const p = ProtocolFactory.defaultShape().build();
    const lead = p.workstreams[0];
    await h.addAgencyWorker(lead.agency, {
      [lead.steps[0].stepType!]: async () => ({ riskLevel: 'catastrophic', summary: 'bad level' }),
    });
    const r = await startReview(h.client, p);
    await throughDesignation(p, r);
    const s = await waitForState(
      r,
      (x) => stepOf(x, lead.agency, 'ctf').status === 'failed',
      'the step to fail',
    );
    expect(stepOf(s, lead.agency, 'ctf').failure).toMatch(
      /invalid result: riskLevel "catastrophic"/,
    );
    expect(s.escalations.map((e) => e.trigger)).toContain('failed_step');
    await r.executeUpdate(withdrawUpdate, { args: [actor('dana@example.com')] });
  });

  it('continues as new when its history grows, keeping state, clocks and the read model whole', async () => {
    const p = ProtocolFactory.defaultShape().build();
    await servingLead(p);
    const r = await startReview(h.client, p, { continueAsNewAfterEvents: 40 });
    const firstRunId = (await r.describe()).runId;
    ctfResults.set((await stateOf(r)).reviewId, 'low');
    // Information requests grow the intake stage's history past the threshold.
    for (let i = 0; i < 3; i++) {
      const info = await r.executeUpdate(requestInformationUpdate, {
        args: [{ ...actor('coordinator'), question: `Question ${i}` }],
      });
      await r.executeUpdate(answerInformationUpdate, {
        args: [{ ...actor('dana@example.com'), requestId: info.id, answer: `Answer ${i}` }],
      });
    }
    const rolled = await eventually(async () => {
      const d = await h.client.workflow.getHandle(r.workflowId).describe();
      return d.runId !== firstRunId ? d : undefined;
    }, 'a new run');
    expect(rolled.status.name).toBe('RUNNING');
    const first = await h.client.workflow.getHandle(r.workflowId, firstRunId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');

    // The new run knows everything the old one did and carries on.
    const latest = h.client.workflow.getHandle(r.workflowId) as typeof r;
    const s = await stateOf(latest);
    expect(s.stage).toBe('intake');
    expect(s.informationRequests.map((x) => x.answer)).toEqual([
      'Answer 0',
      'Answer 1',
      'Answer 2',
    ]);
    expect(s.deadlines.find((d) => d.id === 'intake')!.stops).toHaveLength(3);
    await latest.executeUpdate(acceptIntakeUpdate, { args: [actor('coordinator')] });
    await waitForState(latest, (x) => x.stage === 'designation', 'designation');
    await latest.executeUpdate(designateUpdate, {
      args: [{ ...actor('director', agencies(p).m1), designation: 'covered' }],
    });
    await waitForState(latest, (x) => x.stage === 'assessment', 'assessment');
    await submitAll(p, latest, { range: 'low', benchmark: 'low', infrastructure: 'low' });
    await waitForState(latest, (x) => x.stage === 'determination', 'determination');
    await latest.executeUpdate(issueDeterminationUpdate, {
      args: [{ ...actor('coordinator'), determination: 'no_concerns', rationale: 'No uplift' }],
    });
    const final = await latest.result();
    expect(final.closure!.reason).toBe('completed');
    const rows: { seq: number }[] = await h.db.query(
      'SELECT seq FROM review_events WHERE review_id = $1 ORDER BY seq',
      [final.reviewId],
    );
    expect(rows.map((x) => x.seq)).toEqual(Array.from({ length: final.seq }, (_, i) => i + 1));
  });
});
