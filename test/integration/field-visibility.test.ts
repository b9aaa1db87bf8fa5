import { tokenFor } from '../support/auth';
import { IntakeFactory, ProtocolFactory, uniq } from '../support/factories';
import { eventually, startHarness, type Harness } from '../support/harness';
import { apiClient } from '../support/http';

interface Step {
  stepId: string;
  status: string;
  riskLevel?: string;
  summary?: string;
  marking?: string;
  submittedBy?: string;
}
interface Detail {
  id: string;
  status: string;
  determination?: string;
  progress: Record<string, number>;
  workstreams: { agency: string; steps: Step[] }[];
  timeline: { type: string; actor: string; details: Record<string, unknown> }[];
  determinationRecord?: { determination: string };
}

/**
 * Field-level access on a three-agency review: A shares its findings with C (need-to-know) but
 * not with B; B's step is classified (a reference only, for everyone); the developer sees status
 * and the final report, never agency internals.
 */
describe('field-level visibility', () => {
  let h: Harness;
  let url: string;
  const api = apiClient(() => url);
  const tag = uniq();
  const [a, b, c] = [`a${tag}`, `b${tag}`, `c${tag}`];
  const protocol = ProtocolFactory.singleStep(a)
    .withAgency(b)
    .withAgency(c)
    .sharingFindings(a, [c])
    .build();
  protocol.workstreams[1].steps[0].marking = 'CLASSIFIED';
  const developer = tokenFor('developer', { sub: `dev-${tag}@lab.example.com` });
  const analyst = (agency: string) => tokenFor('agency-analyst', { agency });
  let review: Detail;
  type Receipt = { reviewId: string; agency: string; step: Record<string, unknown> };
  const receipts: Record<string, Receipt> = {};

  const view = async (token: Promise<string>) => {
    const res = await api.get(`/reviews/${review.id}`, token);
    expect(res.status).toBe(200);
    return (await res.json()) as Detail;
  };
  const stepOf = (d: Detail, agency: string) =>
    d.workstreams.find((w) => w.agency === agency)!.steps[0];

  beforeAll(async () => {
    h = await startHarness({ api: true });
    url = h.api!.url;
    await h.publishProtocol(protocol);
    const res = await api.post(
      '/reviews',
      IntakeFactory.body({ protocolKey: protocol.key }),
      developer,
    );
    review = (await res.json()) as Detail;
    const submit = async (agency: string, body: object) => {
      receipts[agency] = await eventually(async () => {
        const r = await api.post(`/reviews/${review.id}/findings`, body, analyst(agency));
        return r.status === 200 ? ((await r.json()) as Receipt) : undefined;
      }, `${agency}'s finding`);
    };
    await submit(a, { stepId: 'review', riskLevel: 'alert', summary: `A-secret-summary-${tag}` });
    await submit(b, {
      stepId: 'review',
      riskLevel: 'low',
      summary: `B-classified-text-${tag}`,
      reference: 'NSA-REF-1',
    });
    await submit(c, { stepId: 'review', riskLevel: 'low', summary: 'C summary' });
    review = await eventually(async () => {
      const d = await view(tokenFor('coordinator'));
      return d.status === 'closed' ? d : undefined;
    }, 'the review to close');
  });
  afterAll(() => h.close());

  it('shows the coordinator everything, classified content as a reference only', async () => {
    expect(stepOf(review, a)).toMatchObject({
      riskLevel: 'alert',
      summary: `A-secret-summary-${tag}`,
    });
    expect(stepOf(review, b)).toMatchObject({ riskLevel: 'low', marking: 'CLASSIFIED' });
    expect(JSON.stringify(review)).not.toContain(`B-classified-text-${tag}`);
  });

  it('answers each finding with a receipt of its own step, classified content as a reference', () => {
    expect(receipts[a]).toEqual({
      reviewId: review.id,
      agency: a,
      step: expect.objectContaining({
        stepId: 'review',
        status: 'done',
        riskLevel: 'alert',
        summary: `A-secret-summary-${tag}`,
        submittedBy: `agency-analyst@${a}.example.gov`,
      }),
    });
    expect(receipts[b].step).toMatchObject({ status: 'done', marking: 'CLASSIFIED' });
    expect(JSON.stringify(receipts[b])).not.toContain(`B-classified-text-${tag}`);
    // A receipt, not the review: nothing of the other agencies' workstreams.
    expect(JSON.stringify(receipts[c])).not.toContain(`A-secret-summary-${tag}`);
  });

  it("hides A's findings from B, which A does not share with", async () => {
    const seen = await view(analyst(b));
    expect(stepOf(seen, a)).toEqual({
      ...Object.fromEntries(
        Object.entries(stepOf(review, a)).filter(
          ([k]) => !['riskLevel', 'summary', 'marking', 'submittedBy', 'failure'].includes(k),
        ),
      ),
    });
    expect(stepOf(seen, a).status).toBe('done');
    expect(stepOf(seen, b).riskLevel).toBe('low');
    const text = JSON.stringify(seen);
    expect(text).not.toContain(`A-secret-summary-${tag}`);
    expect(text).not.toContain(`agency-analyst@${a}.example.gov`);
    const aDone = seen.timeline.find((e) => e.type === 'step_done' && e.details.agency === a)!;
    expect(aDone).toMatchObject({ actor: `agency:${a}` });
    expect(aDone.details).not.toHaveProperty('riskLevel');
  });

  it("shows A's findings to C, which A shares them with, and not B's", async () => {
    const seen = await view(analyst(c));
    expect(stepOf(seen, a)).toMatchObject({
      riskLevel: 'alert',
      summary: `A-secret-summary-${tag}`,
    });
    expect(stepOf(seen, b).riskLevel).toBeUndefined();
  });

  it('shows the developer the status and the final report, no agency internals', async () => {
    const seen = await view(developer);
    expect(seen).toMatchObject({
      status: 'closed',
      determination: review.determination,
      determinationRecord: { determination: review.determination },
      workstreams: [],
      timeline: [],
      progress: {},
    });
    const text = JSON.stringify(seen);
    // The lead agency is named to the developer (in writing, as in CFIUS); the others are not.
    expect(seen).toMatchObject({ leadAgency: a });
    for (const secret of [`A-secret-summary-${tag}`, b, c]) expect(text).not.toContain(secret);
    const list = (await (await api.get('/reviews?limit=100', developer)).json()) as {
      items: { id: string; progress: object }[];
    };
    expect(list.items.map((i) => i.id)).toEqual([review.id]);
    expect(list.items[0].progress).toEqual({});
  });
});
