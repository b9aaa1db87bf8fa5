import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NativeConnection, type Worker } from '@temporalio/worker';
import {
  TASKS,
  TASK_SET_ID,
  ctfEvaluationStep,
  excerptOf,
  transcriptSummary,
} from '../../apps/agency-worker/src/ctf/ctf-evaluation';
import {
  createAgencyWorker,
  defineAssessmentStep,
  type AssessmentStepDefinition,
} from '../../libs/agency-sdk/src';
import type { Protocol, ProtocolStep } from '../../libs/domain/src/protocol/protocol.types';
import type { ReviewState } from '../../libs/domain/src/review/review.types';
import { withdrawUpdate } from '../../workflows/definitions';
import { ProtocolFactory, uniq } from '../support/factories';
import { startFakeOpenAiServer } from '../support/fake-openai-server';
import { eventually, startHarness, type Harness } from '../support/harness';
import { startReview, stateOf, stepOf, waitForState, type ReviewHandle } from '../support/reviews';
import { readTestRun } from '../support/test-run';

/**
 * The agency SDK's artifacts (`ctx.attachArtifact`) and prompt cancellation (keep-alive
 * heartbeats), with CAISI's real CTF step and agency workers built with the SDK, on the real
 * Temporal dev server and PostgreSQL.
 */
describe('agency SDK: artifacts and prompt cancellation', () => {
  let h: Harness;
  let connection: NativeConnection;
  const running: Promise<void>[] = [];
  const closers: (() => Promise<void>)[] = [];
  const reviews: ReviewHandle[] = [];

  beforeAll(async () => {
    h = await startHarness();
    connection = await NativeConnection.connect({ address: readTestRun().temporalAddress });
  });

  afterAll(async () => {
    for (const r of reviews) {
      const s = await stateOf(r).catch(() => undefined);
      if (s?.status === 'open') await withdraw(r);
    }
    await Promise.allSettled(running);
    await Promise.all(closers.map((close) => close()));
    await connection?.close();
    await h?.close();
  });

  async function serve(
    agency: string,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    steps: AssessmentStepDefinition<any>[],
  ): Promise<{ worker: Worker; stop(): Promise<void> }> {
    const worker = await createAgencyWorker({ agency, steps, connection });
    const run = worker.run();
    running.push(run);
    return {
      worker,
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await run;
      },
    };
  }

  function automatedProtocol(agency: string, step: Partial<ProtocolStep>): Protocol {
    const p = ProtocolFactory.singleStep(agency).build();
    p.workstreams[0].steps = [
      {
        id: 'ctf',
        title: 'Automated step',
        kind: 'automated',
        stepType: ctfEvaluationStep.kind,
        dependsOn: [],
        domain: 'offensive-cyber',
        marking: 'CUI',
        startToCloseTimeout: 'PT20S',
        heartbeatTimeout: 'PT5S',
        retry: { maximumAttempts: 3, initialInterval: 'PT1S', backoffCoefficient: 1 },
        ...step,
      },
    ];
    return p;
  }

  async function review(p: Protocol, endpointUrl: string): Promise<ReviewHandle> {
    const r = await startReview(h.client, p, {
      intake: {
        accessArrangement: { type: 'hosted_endpoint', endpointUrl, apiKey: `sk-test-${uniq()}` },
      },
    });
    reviews.push(r);
    return r;
  }

  const withdraw = (r: ReviewHandle) =>
    r.executeUpdate(withdrawUpdate, { args: [{ actor: { id: 'dana@example.com' }, reason: 'x' }] });
  const stepIs = (r: ReviewHandle, agency: string, status: string) =>
    waitForState(r, (s) => stepOf(s, agency, 'ctf').status === status, `step ${status}`, 20_000);

  describe('artifacts', () => {
    it("attaches the CTF step's transcript summary to its finding as a CUI//SP-PROPIN artifact", async () => {
      const agency = `c${uniq()}`;
      const answer = ({ prompt }: { prompt: string }) => {
        const task = TASKS.find((t) => t.prompt === prompt)!;
        return task.category === 'web'
          ? `Here is the full exploit chain, step by step, with every payload spelled out... ${task.flag}`
          : 'I could not solve this one.';
      };
      const fake = await startFakeOpenAiServer({ answer });
      closers.push(() => fake.close());
      const worker = await serve(agency, [ctfEvaluationStep]);
      const r = await review(automatedProtocol(agency, {}), fake.url);

      const s = await stepIs(r, agency, 'done');
      const finding = stepOf(s, agency, 'ctf').finding!;
      const expected = JSON.stringify(
        transcriptSummary(TASKS, {
          taskSet: TASK_SET_ID,
          next: TASKS.length,
          solved: TASKS.filter((t) => t.category === 'web').map((t) => t.id),
          excerpts: Object.fromEntries(
            TASKS.map((t) => [t.id, excerptOf(answer({ prompt: t.prompt }))]),
          ),
        }),
      );
      const bytes = Buffer.from(expected, 'utf8');
      expect(finding.artifacts).toEqual([
        {
          name: 'ctf-transcript-summary.json',
          marking: 'CUI',
          cuiCategory: 'CUI//SP-PROPIN',
          contentType: 'application/json',
          sizeBytes: bytes.byteLength,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          contentBase64: bytes.toString('base64'),
        },
      ]);
      const summary = JSON.parse(
        Buffer.from(finding.artifacts![0].contentBase64!, 'base64').toString('utf8'),
      ) as ReturnType<typeof transcriptSummary>;
      for (const t of TASKS) expect(summary.tasks[t.id].solved).toBe(t.category === 'web');
      // Only the start of each answer: the exploit text itself stays out of the engine.
      for (const t of TASKS) expect(summary.tasks[t.id].excerpt!.length).toBeLessThanOrEqual(80);

      // The read model holds the same artifact.
      const projected = await eventually(async () => {
        const rows = (await h.db.query('SELECT state FROM reviews WHERE id = $1', [
          s.reviewId,
        ])) as { state: ReviewState }[];
        const artifacts = rows[0]?.state.workstreams[0].steps[0].finding?.artifacts;
        return artifacts?.length ? artifacts : undefined;
      }, 'the artifact in the read model');
      expect(projected).toEqual(finding.artifacts);
      await worker.stop();
    });

    it('fails a step that attaches a CLASSIFIED artifact with content, at once and clearly', async () => {
      const agency = `k${uniq()}`;
      let attempts = 0;
      const leaky = defineAssessmentStep({
        kind: `${agency}.leaky`,
        version: '1.0.0',
        run(ctx) {
          attempts++;
          ctx.attachArtifact({
            name: 'exploit.md',
            marking: 'CLASSIFIED',
            contentType: 'text/markdown',
            content: 'the classified exploit',
            reference: 'JWICS://case/1',
          });
          return Promise.resolve({ riskLevel: 'low', summary: 'never returned' });
        },
      });
      const worker = await serve(agency, [leaky]);
      const r = await review(automatedProtocol(agency, { stepType: leaky.kind }), 'http://x');

      const s = await stepIs(r, agency, 'failed');
      expect(stepOf(s, agency, 'ctf').failure).toMatch(
        /artifact "exploit.md": a CLASSIFIED artifact must not carry content/,
      );
      expect(JSON.stringify(s)).not.toContain('the classified exploit');
      expect(attempts).toBe(1); // not retried, although the protocol allows 3 attempts
      await worker.stop();
    });

    it('keeps only the artifacts of the attempt that succeeded; classified ones as references', async () => {
      const agency = `f${uniq()}`;
      const flaky = defineAssessmentStep({
        kind: `${agency}.flaky`,
        version: '1.0.0',
        run(ctx) {
          ctx.attachArtifact({
            name: `attempt-${ctx.attempt}.txt`,
            marking: 'U',
            contentType: 'text/plain',
            content: `attempt ${ctx.attempt}`,
          });
          if (ctx.attempt === 1) throw new Error('endpoint answered HTTP 503');
          ctx.attachArtifact({
            name: 'exploit.md',
            marking: 'CLASSIFIED',
            contentType: 'text/markdown',
            reference: 'JWICS://case/2',
          });
          return Promise.resolve({ riskLevel: 'low', summary: 'second attempt' });
        },
      });
      const worker = await serve(agency, [flaky]);
      const r = await review(automatedProtocol(agency, { stepType: flaky.kind }), 'http://x');

      const s = await stepIs(r, agency, 'done');
      expect(stepOf(s, agency, 'ctf').finding!.artifacts).toEqual([
        expect.objectContaining({ name: 'attempt-2.txt', marking: 'U', sizeBytes: 9 }),
        {
          name: 'exploit.md',
          marking: 'CLASSIFIED',
          contentType: 'text/markdown',
          sizeBytes: 0,
          sha256: '',
          reference: 'JWICS://case/2',
        },
      ]);
      await worker.stop();
    });
  });

  describe('cancellation', () => {
    it('withdrawal aborts a step blocked on a slow request within seconds, leaving nothing running', async () => {
      const agency = `w${uniq()}`;
      // Each answer takes longer than the step's own heartbeat cadence could deliver the
      // cancellation in (throttled to 0.8 x 10 s): only the SDK's keep-alives can abort the
      // request in flight before it is answered.
      const slow = await startSlowEndpoint(8_000);
      closers.push(() => slow.close());
      const worker = await serve(agency, [ctfEvaluationStep]);
      const r = await review(
        automatedProtocol(agency, { heartbeatTimeout: 'PT10S', startToCloseTimeout: 'PT60S' }),
        slow.url,
      );
      await eventually(
        () => Promise.resolve(slow.requests.length >= 1 ? true : undefined),
        'the first task',
        15_000,
      );
      await new Promise((res) => setTimeout(res, 500));

      const withdrawnAt = Date.now();
      const closed = await withdraw(r);
      const returnedAt = Date.now();
      expect(closed.closure?.reason).toBe('withdrawn');
      expect((await r.result()).closure?.reason).toBe('withdrawn');
      const child = await h.client.workflow.getHandle(`${r.workflowId}-ws-${agency}`).describe();
      expect(child.status.name).toBe('CANCELLED');
      expect(child.closeTime!.getTime() - returnedAt).toBeLessThan(6_000);

      // The activity saw ctx.signal abort: the request in flight was dropped before its answer.
      const dropped = await eventually(
        () => Promise.resolve(slow.requests.find((q) => q.droppedAt !== undefined)),
        'the request in flight to be dropped',
        10_000,
      );
      expect(dropped.answeredAt).toBeUndefined();
      expect(dropped.droppedAt! - withdrawnAt).toBeLessThan(6_500);
      // ...and the step asked nothing more: wait longer than one answer takes.
      const asked = slow.requests.length;
      await new Promise((res) => setTimeout(res, 3_000));
      expect(slow.requests.length).toBe(asked);
      expect(asked).toBeLessThan(TASKS.length);

      const stillRunning: string[] = [];
      for await (const wf of h.client.workflow.list({
        query: `WorkflowId STARTS_WITH '${r.workflowId}' AND ExecutionStatus = 'Running'`,
      })) {
        stillRunning.push(wf.workflowId);
      }
      expect(stillRunning).toEqual([]);
      await worker.stop();
    });
  });
});

interface SlowRequest {
  at: number;
  answeredAt?: number;
  /** When the client closed the connection before the answer. */
  droppedAt?: number;
}

/**
 * An OpenAI-compatible endpoint that answers every chat completion after `delayMs` and records
 * when a client gives up on a request (the shared fake server does not expose that).
 */
async function startSlowEndpoint(
  delayMs: number,
): Promise<{ url: string; requests: SlowRequest[]; close(): Promise<void> }> {
  const requests: SlowRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    req.resume();
    const recorded: SlowRequest = { at: Date.now() };
    requests.push(recorded);
    const timer = setTimeout(() => {
      timers.delete(timer);
      recorded.answeredAt = Date.now();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: 'No idea.' } }],
        }),
      );
    }, delayMs);
    timers.add(timer);
    res.on('close', () => {
      if (recorded.answeredAt === undefined) recorded.droppedAt = Date.now();
      clearTimeout(timer);
      timers.delete(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const t of timers) clearTimeout(t);
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
