import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDependencyUnavailable } from './dependency-unavailable';
import { DomainException, DomainExceptionCode, domainStatus } from './domain.exception';

/**
 * The one place errors become HTTP responses: domain exceptions by code, Nest's own HTTP
 * exceptions as they are, an unreachable database or Temporal as a 503 (retry later), anything
 * else as a generic 500 with the request id (never a stack).
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const requestId = String(request.id);

    if (isDependencyUnavailable(exception)) {
      this.logger.warn(
        `request ${requestId}: a backing service is unavailable: ${String(exception)}`,
      );
      void reply.header('retry-after', '5');
      exception = new DomainException(
        DomainExceptionCode.DEPENDENCY_UNAVAILABLE,
        'A backing service (database or workflow engine) is unavailable; retry shortly',
      );
    }
    if (exception instanceof DomainException) {
      const status = domainStatus(exception.code);
      void reply.status(status).send({
        statusCode: status,
        code: exception.code,
        message: exception.message,
        errors: exception.errors,
        requestId,
      });
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const payload =
        typeof body === 'string' ? { message: body } : (body as Record<string, unknown>);
      void reply.status(status).send({ statusCode: status, ...payload, requestId });
      return;
    }
    // Fastify's own errors (bad JSON, body too large) carry a 4xx statusCode.
    const maybe = exception as { statusCode?: number; message?: string; code?: string };
    if (
      typeof maybe?.statusCode === 'number' &&
      maybe.statusCode >= 400 &&
      maybe.statusCode < 500
    ) {
      void reply.status(maybe.statusCode).send({
        statusCode: maybe.statusCode,
        code: maybe.code,
        message: maybe.message,
        requestId,
      });
      return;
    }
    this.logger.error(
      `request ${requestId} failed: ${exception instanceof Error ? exception.stack : String(exception)}`,
    );
    void reply.status(500).send({ statusCode: 500, message: 'Internal server error', requestId });
  }
}
