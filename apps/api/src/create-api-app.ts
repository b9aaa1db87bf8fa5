import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { serveDashboard } from './coordinator/serve-dashboard';
import { createValidationPipe } from './common/validation';
import { applyHardening } from './common/hardening';
import { environment, trustProxy } from '@engine/config/environment';

/** Build the API (not yet listening): Fastify, global validation, error mapping, OpenAPI at /docs. */
export async function createApiApp(
  opts: { logger?: false | ('log' | 'error' | 'warn')[] } = {},
): Promise<NestFastifyApplication> {
  const env = environment();
  const adapter = new FastifyAdapter({
    bodyLimit: env.API_BODY_LIMIT_BYTES,
    // The client's address behind the proxies named here (rate limits and logs use it).
    trustProxy: trustProxy(env),
    // A caller's (or gateway's) x-request-id is kept when it is a plain token, so one id follows
    // a request across services and into the audit log; anything else gets a fresh one.
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{8,64}$/.test(given)
        ? given
        : randomUUID();
    },
    requestIdHeader: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, {
    // Given levels (tests) keep Nest's console logger; otherwise JSON lines through pino.
    ...(opts.logger === undefined ? { bufferLogs: true } : { logger: opts.logger }),
  });
  if (opts.logger === undefined) app.useLogger(app.get(PinoLogger));
  await applyHardening(app, env);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  serveDashboard(app); // the coordinator page at /dashboard/, once built
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (request, reply) => {
      void reply.header('x-request-id', request.id);
    });

  const config = new DocumentBuilder()
    .setTitle('Interagency Review Engine')
    .setDescription(
      'Voluntary, advisory interagency review of frontier AI models. Nothing here approves or denies anything.',
    )
    .setVersion('0.1.0')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'A JWT from the identity provider, or a service account API key (rek_...)',
    })
    .addSecurityRequirements('bearer')
    .addGlobalResponse(
      { status: 401, description: 'No valid bearer token or API key (audited)' },
      { status: 403, description: 'The access policy does not allow this caller (audited)' },
      { status: 429, description: 'Rate limit reached; retry after the retry-after header' },
      {
        status: 503,
        description:
          'DEPENDENCY_UNAVAILABLE: PostgreSQL or Temporal cannot be reached; retry after the Retry-After seconds (the body carries the requestId)',
      },
    )
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), {
    jsonDocumentUrl: 'docs-json',
  });
  return app;
}
