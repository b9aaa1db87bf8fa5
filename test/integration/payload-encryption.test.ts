import { temporal } from '@temporalio/proto';
import { acceptIntakeUpdate } from '../../workflows/definitions';
import { ProtocolFactory } from '../support/factories';
import { startHarness, type Harness } from '../support/harness';
import { startReview, stateOf, waitForState } from '../support/reviews';

/**
 * Payloads are encrypted before they reach Temporal: the raw history, read straight from the
 * server without the codec, holds neither the developer's credential nor the submission details,
 * while the engine itself (with the codec) reads them fine.
 */
describe('payload encryption', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('keeps credentials and submission details out of the raw history', async () => {
    const p = ProtocolFactory.defaultShape().build();
    const r = await startReview(h.client, p, {
      intake: {
        developerOrg: 'Confidential Lab Holdings',
        modelName: 'codename-nightjar',
        accessArrangement: {
          type: 'hosted_endpoint',
          endpointUrl: 'https://nightjar.internal.example/v1',
          apiKey: 'sk-live-5f2e9c-never-plaintext',
        },
      },
    });
    await r.executeUpdate(acceptIntakeUpdate, {
      args: [{ actor: { id: 'coordinator@example.gov' }, reason: 'complete' }],
    });
    await waitForState(r, (s) => s.stage === 'designation', 'designation');
    expect((await stateOf(r)).developerOrg).toBe('Confidential Lab Holdings');

    const raw = await h.client.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId: r.workflowId },
    });
    const bytes = Buffer.from(
      temporal.api.history.v1.History.encode(raw.history!).finish(),
    ).toString('latin1');
    expect(bytes.length).toBeGreaterThan(1000);
    for (const secret of [
      'sk-live-5f2e9c-never-plaintext',
      'Confidential Lab Holdings',
      'codename-nightjar',
      'nightjar.internal.example',
      'coordinator@example.gov',
    ]) {
      expect(bytes).not.toContain(secret);
    }
    expect(bytes).toContain('binary/encrypted');
    // Search attributes are indexed by the server and stay readable by design: no secrets in them.
    expect(bytes).toContain('ReviewStage');
  });
});
