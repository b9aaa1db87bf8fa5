import { IntakeFactory, noopAgencyActivities, ProtocolFactory, uniq } from '../support/factories';
import { eventually, startHarness, type Harness } from '../support/harness';
import { apiClient } from '../support/http';

/**
 * Issue #8, fault 5: the same intake arrives twice at the same moment (a client retrying a
 * request it thinks was lost). The review id derives from the idempotency key and the workflow
 * id from the review id, so Temporal itself lets only one review start.
 */
describe('identical intakes at the same moment', () => {
  let h: Harness;
  const api = apiClient(() => h.api!.url);
  const protocol = ProtocolFactory.defaultShape()
    .withoutStage('designation')
    .allAutomated()
    .build();

  beforeAll(async () => {
    h = await startHarness({ api: true });
    await h.publishProtocol(protocol);
    for (const [agency, activities] of noopAgencyActivities(protocol)) {
      await h.addAgencyWorker(agency, activities);
    }
  });
  afterAll(() => h?.close());

  it.each([2, 8])('%i simultaneous identical intakes make one review', async (copies) => {
    const key = `intake-${uniq()}`;
    const body = IntakeFactory.body({ protocolKey: protocol.key, idempotencyKey: key });
    const responses = await Promise.all(
      Array.from({ length: copies }, () => api.post('/reviews', body)),
    );
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as {
      id: string;
      created: boolean;
    }[];
    expect(responses.map((r) => r.status).sort()).toEqual(
      [201, ...Array<number>(copies - 1).fill(200)].sort(),
    );
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(bodies.filter((b) => b.created)).toHaveLength(1);

    const id = bodies[0].id;
    const [{ rows, submitted }] = await h.db.query(
      `SELECT (SELECT count(*) FROM reviews WHERE idempotency_key = $1)::int AS rows,
              (SELECT count(*) FROM review_events WHERE review_id = $2 AND type = 'review_submitted')::int
                AS submitted`,
      [key, id],
    );
    expect({ rows, submitted }).toEqual({ rows: 1, submitted: 1 });
    // One workflow execution under that id in Temporal's visibility store, not one per request.
    const executions = await eventually(async () => {
      const { count } = await h.client.workflow.count(`WorkflowId = 'review-${id}'`);
      return count > 0 ? count : undefined;
    }, 'the review in visibility');
    expect(executions).toBe(1);
  });
});
