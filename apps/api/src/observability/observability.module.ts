import type { IncomingMessage } from 'node:http';
import { Module, RequestMethod } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { createLogger } from '@engine/observability';
import { CoordinatorModule } from '../coordinator/coordinator.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { RequestTracingInterceptor } from './request-tracing.interceptor';
import { ReviewLogContextInterceptor } from './review-log-context.interceptor';

/** Structured request logs (pino, request id on every line), Prometheus metrics, request spans. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      useFactory: () => ({
        // No genReqId: pino-http takes `req.id`, which middie copies from Fastify's request id
        // (the one create-api-app echoes as x-request-id), so logs and responses agree.
        pinoHttp: {
          logger: createLogger('api'),
          customLogLevel: (_req, res, err) =>
            err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
          // Probes and scrapes every few seconds would drown the log.
          autoLogging: {
            // (middie hands middleware the URL below the mount point; originalUrl is the full one)
            ignore: (req: IncomingMessage & { originalUrl?: string }) =>
              /^\/(health|metrics)(\/|$|\?)/.test(req.originalUrl ?? req.url ?? ''),
          },
        },
        forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
        assignResponse: true,
      }),
    }),
    CoordinatorModule,
  ],
  controllers: [MetricsController],
  providers: [
    MetricsService,
    { provide: APP_INTERCEPTOR, useClass: RequestTracingInterceptor },
    { provide: APP_INTERCEPTOR, useClass: ReviewLogContextInterceptor },
  ],
})
export class ObservabilityModule {}
