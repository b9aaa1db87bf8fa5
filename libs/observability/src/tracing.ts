import { trace, type SpanContext } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { environment, type EnvironmentVariables } from '../../../config/environment';

export interface Tracing {
  /** Client, activity and workflow interceptors plus the workflow span sink, for Temporal. */
  plugin: OpenTelemetryPlugin;
  /** Flush spans still buffered and stop recording. */
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/**
 * Turn tracing on for this process when OTEL_EXPORTER_OTLP_ENDPOINT is set (or a span processor
 * is given, as tests do); otherwise it stays off and nothing is recorded. Registers the global
 * tracer provider (AsyncLocalStorage context, W3C propagation) that the API's request spans use,
 * and the Temporal plugin every client and worker made afterwards picks up, so one trace runs from
 * an HTTP request through the workflow to its activities. Call it before creating any of them.
 */
export function startTracing(
  service: string,
  opts: { env?: EnvironmentVariables; spanProcessor?: SpanProcessor } = {},
): Tracing | undefined {
  if (active) return active;
  const env = opts.env ?? environment();
  if (!opts.spanProcessor && !env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: service });
  const spanProcessor =
    opts.spanProcessor ??
    new BatchSpanProcessor(
      new OTLPTraceExporter({
        url: `${env.OTEL_EXPORTER_OTLP_ENDPOINT!.replace(/\/$/, '')}/v1/traces`,
      }),
    );
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  type PluginOptions = ConstructorParameters<typeof OpenTelemetryPlugin>[0];
  const tracing: Tracing = {
    plugin: new OpenTelemetryPlugin({
      // The plugin is typed against OpenTelemetry SDK 1.x; the adapter bridges the span shape.
      resource: resource as unknown as PluginOptions['resource'],
      spanProcessor: workflowSpanAdapter(
        spanProcessor,
      ) as unknown as PluginOptions['spanProcessor'],
    }),
    async shutdown() {
      active = undefined;
      await provider.shutdown();
      trace.disable();
    },
  };
  active = tracing;
  return tracing;
}

/** The Temporal plugins of this process: the tracing plugin when tracing is on, else none. */
export function temporalPlugins(): OpenTelemetryPlugin[] {
  return active ? [active.plugin] : [];
}

/**
 * Workflow spans are recorded inside the workflow sandbox by @temporalio/interceptors-opentelemetry
 * with OpenTelemetry SDK 1.x and handed to the worker as 1.x spans (`instrumentationLibrary`,
 * `parentSpanId`); the 2.x exporters read `instrumentationScope` and `parentSpanContext`.
 */
function workflowSpanAdapter(inner: SpanProcessor): SpanProcessor {
  return {
    onStart: (span, context) => inner.onStart(span, context),
    onEnd(span) {
      const legacy = span as ReadableSpan & {
        instrumentationLibrary?: ReadableSpan['instrumentationScope'];
        parentSpanId?: string;
      };
      if (legacy.instrumentationScope || !legacy.instrumentationLibrary) return inner.onEnd(span);
      const traceId = span.spanContext().traceId;
      const parentSpanContext: SpanContext | undefined = legacy.parentSpanId
        ? { traceId, spanId: legacy.parentSpanId, traceFlags: 1, isRemote: false }
        : undefined;
      inner.onEnd(
        Object.assign(Object.create(span) as ReadableSpan, {
          spanContext: () => span.spanContext(),
          instrumentationScope: legacy.instrumentationLibrary,
          parentSpanContext,
        }),
      );
    },
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
  };
}
