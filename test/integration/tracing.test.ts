import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTracing, type Tracing } from '../../libs/observability/src/tracing';
import { IntakeFactory } from '../support/factories';
import { eventually } from '../support/harness';
import { apiClient } from '../support/http';
import { startOwnQueueStack, type OwnQueueStack } from '../support/own-queue-stack';

/**
 * With tracing on (an in-memory exporter standing in for OTLP), one trace runs from the HTTP
 * request through the review workflow to its projection activity. The worker bundles its
 * workflows itself here, so the tracing plugin's workflow interceptors are in the bundle.
 */
describe('tracing', () => {
  const queue = `tracing-${randomUUID()}`;
  process.env.TEMPORAL_TASK_QUEUE = queue;
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing | undefined;
  let stack: OwnQueueStack;
  let url = '';
  const { post } = apiClient(() => url);

  beforeAll(async () => {
    // Before any Temporal client or worker exists: they pick the tracing plugin up on creation.
    tracing = startTracing('review-engine-test', {
      spanProcessor: new SimpleSpanProcessor(exporter),
    });
    stack = await startOwnQueueStack({ queue, bundleWorkflows: true, seedProtocols: true });
    url = stack.url;
    stack.runWorker();
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
    await tracing?.shutdown();
  });

  it('links the API request, the workflow start, its update, child workflows and activities', async () => {
    const res = await post('/reviews', IntakeFactory.body({ protocolKey: 'quick-check' }));
    expect(res.status).toBe(201);
    const spans = await eventually(async () => {
      const all = exporter.getFinishedSpans();
      return all.some((s) => s.name === 'RunActivity:projectReview') ? all : undefined;
    }, 'the projection activity span');

    const request = spans.find((s) => s.name === 'POST /reviews');
    expect(request).toBeDefined();
    const traceId = request!.spanContext().traceId;
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId).map((s) => s.name);
    expect(inTrace).toEqual(
      expect.arrayContaining([
        'POST /reviews',
        // The API starts the review with an update that waits for its first projection.
        'UpdateWithStartWorkflow:projected',
        'HandleUpdate:projected',
        'StartActivity:projectReview',
        'RunActivity:projectReview',
        'StartChildWorkflow:workstreamWorkflow',
      ]),
    );
    const start = spans.find((s) => s.name === 'UpdateWithStartWorkflow:projected')!;
    expect(start.parentSpanContext?.spanId).toBe(request!.spanContext().spanId);
    expect(request!.attributes['http.response.status_code']).toBe(201);
  });
});
