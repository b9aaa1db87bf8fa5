import type { ReviewState } from '../../libs/domain/src/review/review.types';
import { readModelRows } from './read-model-rows';

const T0 = Date.parse('2027-01-04T15:00:00.000Z');

/** A review in assessment: one workstream with a finding, a deadline whose clock has not started. */
function state(): ReviewState {
  return {
    reviewId: '11111111-1111-4111-8111-111111111111',
    status: 'open',
    stage: 'assessment',
    protocolKey: 'p',
    protocolVersion: 1,
    leadAgency: 'caisi',
    developerOrg: 'Lab',
    modelName: 'm',
    modelVersion: 'v',
    plannedReleaseDate: '2099-01-01',
    workstreams: [
      {
        agency: 'caisi',
        role: 'lead',
        workflowId: 'ws',
        status: 'running',
        steps: ['a', 'b'].map((stepId, i) => ({
          agency: 'caisi',
          stepId,
          title: stepId,
          kind: 'manual' as const,
          domain: 'offensive-cyber',
          dependsOn: i ? ['a'] : [],
          status: i ? ('blocked' as const) : ('done' as const),
          finding: i
            ? undefined
            : {
                agency: 'caisi',
                stepId,
                domain: 'offensive-cyber',
                riskLevel: 'low' as const,
                summary: 'none',
                marking: 'CUI' as const,
                artifacts: [
                  {
                    name: 'log',
                    marking: 'CUI' as const,
                    contentType: 'text/plain',
                    sizeBytes: 2,
                    sha256: 'ab',
                    contentBase64: 'aGk=',
                  },
                ],
                submittedBy: 'x',
                submittedAt: new Date(T0).toISOString(),
              },
        })),
      },
    ],
    deadlines: [
      {
        id: 'step:caisi:b',
        label: 'b',
        kind: 'step',
        agency: 'caisi',
        stepId: 'b',
        basisMs: T0,
        clock: { unit: 'business_days', amount: 5 },
        stops: [{ reasonCode: 'outage', fromMs: T0, by: 'c' }],
        extensions: [],
        dueMs: Infinity,
        status: 'open',
      },
    ],
    escalations: [],
    informationRequests: [],
    nonBusinessDates: [],
    seq: 4,
  };
}

describe('readModelRows', () => {
  it('keeps the workflow order, the seq, and stores a due date that has not started as null', () => {
    const rows = readModelRows(state(), 4);
    expect(rows.steps.map((s) => [s.stepId, s.position, s.dependsOn, s.lastSeq])).toEqual([
      ['a', 0, [], 4],
      ['b', 1, ['a'], 4],
    ]);
    expect(rows.deadlines[0].dueAt).toBeNull();
    expect(rows.steps[1].dueAt).toBeNull();
    expect(rows.clockStops).toEqual([
      expect.objectContaining({ deadlineId: 'step:caisi:b', position: 0, toAt: null }),
    ]);
  });

  it('copies artifact metadata but not inline content into the findings table', () => {
    const [finding] = readModelRows(state(), 4).findings;
    expect(finding.artifacts).toEqual([
      { name: 'log', marking: 'CUI', contentType: 'text/plain', sizeBytes: 2, sha256: 'ab' },
    ]);
    expect(finding.submittedAt).toEqual(new Date(T0));
  });
});
