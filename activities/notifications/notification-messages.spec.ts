import type { ReviewEvent, ReviewState } from '../../libs/domain/src/review/review.types';
import { notificationFor, reviewMarking } from './notification-messages';

const state = (over: Partial<ReviewState> = {}): ReviewState => ({
  reviewId: '0b9c2f4e-1111-4222-8333-944455556666',
  status: 'open',
  stage: 'assessment',
  protocolKey: 'p',
  protocolVersion: 1,
  leadAgency: 'caisi',
  developerOrg: 'Lab',
  modelName: 'frontier-1',
  modelVersion: 'ckpt-3',
  plannedReleaseDate: '2027-03-01',
  workstreams: [
    {
      agency: 'caisi',
      role: 'lead',
      workflowId: 'w-caisi',
      status: 'running',
      steps: [
        {
          agency: 'caisi',
          stepId: 'range',
          title: 'Cyber range',
          kind: 'manual',
          domain: 'offensive-cyber',
          dependsOn: [],
          status: 'done',
          finding: {
            agency: 'caisi',
            stepId: 'range',
            domain: 'offensive-cyber',
            riskLevel: 'high',
            summary: 'SECRET SAUCE exploit chain',
            rationale: 'because',
            marking: 'CUI',
            artifacts: [
              {
                name: 'log',
                marking: 'CUI',
                cuiCategory: 'CUI//SP-CTI',
                contentType: 'text/plain',
                sizeBytes: 1,
                sha256: 'x',
              },
            ],
            submittedBy: 'a@caisi',
            submittedAt: '2026-11-27T00:00:00Z',
          },
        },
      ],
    },
    { agency: 'cisa', role: 'member', workflowId: 'w-cisa', status: 'running', steps: [] },
  ],
  deadlines: [],
  escalations: [],
  informationRequests: [],
  nonBusinessDates: [],
  seq: 9,
  ...over,
});
const event = (type: string, details: Record<string, unknown>): ReviewEvent => ({
  seq: 7,
  type,
  actor: 'system',
  at: '2026-11-27T06:00:00.000Z',
  details,
});
const protocol = { workstreams: [{ agency: 'caisi', steps: [{ marking: 'CUI' as const }] }] };

describe('notification messages', () => {
  it('marks a review CUI//SP-PROPIN at least, adds artifact categories, CLASSIFIED above all', () => {
    expect(reviewMarking(protocol, state({ workstreams: [] }))).toBe('CUI//SP-PROPIN');
    expect(reviewMarking(protocol, state())).toBe('CUI//SP-CTI/SP-PROPIN');
    expect(reviewMarking({ workstreams: [{ steps: [{ marking: 'CLASSIFIED' }] }] }, state())).toBe(
      'CLASSIFIED',
    );
  });

  it('puts the marking and what happened in the subject, for the right audience', () => {
    const m = notificationFor(
      event('escalation_climbed', {
        escalationId: 'esc-1',
        level: 1,
        levelName: 'Senior officials',
      }),
      state(),
      'CUI//SP-PROPIN',
      'https://r.example.gov/reviews/x',
    )!;
    expect(m.subject).toBe(
      '[CUI//SP-PROPIN] Review 0b9c2f4e (frontier-1 ckpt-3) escalated to L1 (Senior officials)',
    );
    expect(m).toMatchObject({
      kind: 'escalation',
      agencies: ['caisi', 'cisa'],
      coordinators: true,
    });
    const reminder = notificationFor(
      event('reminder_sent', { deadlineId: 'step:cisa:infra', label: 'x', dueAt: 'd' }),
      state(),
      'U',
      'l',
    )!;
    expect(reminder).toMatchObject({ kind: 'reminder', agencies: ['cisa'], coordinators: false });
    const stage = notificationFor(
      event('deadline_missed', { deadlineId: 'stage:consolidation', label: 'x', dueAt: 'd' }),
      state(),
      'U',
      'l',
    )!;
    expect(stage.agencies).toEqual(['caisi']);
  });

  it('tells the developer of the determination and the closure only', () => {
    const told = (type: string, details: Record<string, unknown>) =>
      notificationFor(event(type, details), state(), 'U', 'l')!.developer;
    expect(told('determination_issued', { determination: 'no_concerns' })).toBe(true);
    expect(told('review_closed', { closure: 'withdrawn' })).toBe(true);
    expect(told('step_done', { agency: 'cisa', stepId: 'infra' })).toBe(false);
    expect(told('step_open', { agency: 'cisa', stepId: 'infra' })).toBe(false);
    expect(told('escalation_raised', { escalationId: 'e', level: 0, levelName: 'L0' })).toBe(false);
    expect(told('extension_granted', { deadlineId: 'step:cisa:infra', extensionId: 'x' })).toBe(
      false,
    );
  });

  it('never carries finding content, only ids and codes', () => {
    const s = state();
    const m = notificationFor(
      event('step_done', { agency: 'caisi', stepId: 'range', status: 'done', riskLevel: 'high' }),
      s,
      'CUI//SP-PROPIN',
      'l',
    )!;
    const all = JSON.stringify(m);
    expect(all).not.toContain('SECRET SAUCE');
    expect(all).not.toContain('high');
    expect(m.facts).toEqual({ agency: 'caisi', stepId: 'range' });
  });

  it('ignores events nobody is told of', () => {
    for (const type of ['deadline_set', 'stage_changed', 'step_running', 'extension_requested'])
      expect(notificationFor(event(type, {}), state(), 'U', 'l')).toBeUndefined();
  });
});
