import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import type { Observable } from 'rxjs';
import { reviewWorkflowId } from '@engine/temporal/queues';

/**
 * Puts the review id and its workflow id on every log line of a request about one review
 * (`/reviews/:id/...`), including the request's own "request completed" line.
 */
@Injectable()
export class ReviewLogContextInterceptor implements NestInterceptor {
  constructor(private readonly logger: PinoLogger) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<FastifyRequest>();
      const route = request.routeOptions?.url ?? '';
      const id = (request.params as Record<string, string> | undefined)?.id;
      if (id && route.startsWith('/reviews/:id')) {
        this.logger.assign({ reviewId: id, workflowId: reviewWorkflowId(id) });
      }
    }
    return next.handle();
  }
}
