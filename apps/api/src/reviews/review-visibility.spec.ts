import type { Principal } from '../auth/principal';
import type { ReviewDetailDto } from './dtos/review-response.dto';
import { toStepDto } from './dtos/finding-receipt.dto';
import { sharingOf, visibleDetail, visibleStep } from './review-visibility';

const step = (agency: string) => ({
  stepId: 'review',
  title: 'Review',
  kind: 'manual',
  domain: 'offensive-cyber',
  dependsOn: [],
  status: 'done',
  riskLevel: 'high',
  summary: `${agency} summary`,
  marking: 'CUI',
  submittedBy: `analyst@${agency}.gov`,
});
const detail = {
  id: 'r1',
  progress: { caisi: 1, cisa: 1 },
  workstreams: ['caisi', 'cisa'].map((a) => ({
    agency: a,
    role: 'member',
    status: 'completed',
    progress: 1,
    steps: [step(a)],
  })),
  deadlines: [{ id: 'd' }],
  escalations: [{ id: 'e' }],
  informationRequests: [{ id: 'i', question: 'q' }],
  consolidation: [
    {
      domain: 'offensive-cyber',
      riskLevel: 'high',
      method: 'vote',
      dissents: [{ agency: 'cisa', riskLevel: 'low' }],
    },
  ],
  determinationRecord: { determination: 'significant_concerns' },
  timeline: [
    {
      seq: 1,
      type: 'step_done',
      actor: 'analyst@cisa.gov',
      at: 'x',
      details: { agency: 'cisa', stepId: 'review', status: 'done', riskLevel: 'low' },
    },
  ],
} as unknown as ReviewDetailDto;
const who = (role: Principal['role'], agency?: string): Principal => ({
  sub: 's',
  role,
  agency,
  via: 'token',
});

describe('review visibility', () => {
  it('shows an agency its own findings and hides unshared ones of others', () => {
    const seen = visibleDetail(
      detail,
      who('agency-analyst', 'caisi'),
      sharingOf({ workstreams: [] }),
    );
    expect(seen.workstreams[0].steps[0].summary).toBe('caisi summary');
    expect(seen.workstreams[1].steps[0]).not.toHaveProperty('summary');
    expect(seen.workstreams[1].steps[0]).not.toHaveProperty('riskLevel');
    expect(seen.workstreams[1].steps[0].status).toBe('done');
    expect(seen.consolidation[0].dissents).toEqual([]);
    expect(seen.timeline[0]).toMatchObject({
      actor: 'agency:cisa',
      details: { agency: 'cisa', stepId: 'review', status: 'done' },
    });
    expect(seen.timeline[0].details).not.toHaveProperty('riskLevel');
  });

  it('shares where the protocol says, by code or with everyone', () => {
    for (const to of [['caisi'], ['*']]) {
      const sharing = sharingOf({
        workstreams: [{ agency: 'cisa', steps: [], sharesFindingsWith: to }],
      });
      const seen = visibleDetail(detail, who('agency-lead', 'caisi'), sharing);
      expect(seen.workstreams[1].steps[0].summary).toBe('cisa summary');
      expect(seen.timeline[0].actor).toBe('analyst@cisa.gov');
    }
  });

  it('applies the same rule to a single step (the receipt of a finding)', () => {
    const at = '2027-01-04T15:00:00.000Z';
    const { riskLevel: _r, summary, marking: _m, submittedBy, ...progress } = step('cisa');
    const recorded = toStepDto({
      ...progress,
      agency: 'cisa',
      kind: 'manual',
      status: 'done',
      completedAt: at,
      finding: {
        agency: 'cisa',
        stepId: 'review',
        domain: progress.domain,
        riskLevel: 'high',
        summary,
        rationale: 'why',
        marking: 'CUI',
        submittedBy,
        submittedAt: at,
      },
    });
    const nothingShared = sharingOf(undefined);
    expect(visibleStep(recorded, 'cisa', who('agency-analyst', 'cisa'), nothingShared)).toEqual({
      ...step('cisa'),
      completedAt: at,
    });
    for (const viewer of [who('agency-analyst', 'caisi'), who('developer')]) {
      const seen = visibleStep(recorded, 'cisa', viewer, nothingShared);
      expect(seen).toMatchObject({ stepId: 'review', status: 'done' });
      for (const hidden of ['riskLevel', 'summary', 'marking', 'submittedBy']) {
        expect(seen).not.toHaveProperty(hidden);
      }
    }
    expect(visibleStep(recorded, 'cisa', who('coordinator'), nothingShared).summary).toBe(
      'cisa summary',
    );
  });

  it('gives the developer the status and final report only', () => {
    const seen = visibleDetail(detail, who('developer'), sharingOf(undefined));
    expect(seen).toMatchObject({
      progress: {},
      workstreams: [],
      deadlines: [],
      escalations: [],
      consolidation: [],
      timeline: [],
      informationRequests: [{ id: 'i' }],
      determinationRecord: { determination: 'significant_concerns' },
    });
  });
});
