import {
  type CallHandler,
  type ExecutionContext,
  HttpException,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';

const tracer = trace.getTracer('review-engine-api');

/**
 * A server span per request (continuing an incoming `traceparent`), active while the handler
 * runs, so the Temporal client's spans (start workflow, update, signal) become its children.
 * A no-op unless the process started tracing.
 */
@Injectable()
export class RequestTracingInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const request = ctx.switchToHttp().getRequest<FastifyRequest>();
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    const route = request.routeOptions?.url ?? request.url;
    const parent = propagation.extract(context.active(), request.headers);
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, 'http.route': route },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    return new Observable((subscriber) =>
      // The handler runs when subscribed: subscribing inside the context makes the span current.
      context.with(active, () =>
        next.handle().subscribe({
          next: (value) => subscriber.next(value),
          error: (err: unknown) => {
            const status = err instanceof HttpException ? err.getStatus() : 500;
            span.setAttribute('http.response.status_code', status);
            if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
            span.end();
            subscriber.error(err);
          },
          complete: () => {
            span.setAttribute('http.response.status_code', reply.statusCode);
            span.end();
            subscriber.complete();
          },
        }),
      ),
    );
  }
}
