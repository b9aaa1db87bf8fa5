import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EnvironmentVariables } from '@engine/config/environment';

/**
 * Security headers (helmet; the CSP allows what the dashboard and the OpenAPI page load), CORS
 * only for the configured origins, and request bodies refused when they carry NUL characters
 * (PostgreSQL text cannot hold them; refusing at the door keeps them out of workflows too).
 */
export async function applyHardening(
  app: NestFastifyApplication,
  env: EnvironmentVariables,
): Promise<void> {
  // @fastify/helmet is typed against the top-level fastify, Nest's adapter against its own copy.
  await app.register(helmet as unknown as Parameters<NestFastifyApplication['register']>[0], {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'https:'],
      },
    },
  });
  const origins = env.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  app.enableCors({
    origin: origins.length ? origins : false,
    methods: ['GET', 'POST', 'PUT', 'OPTIONS'],
    allowedHeaders: ['authorization', 'content-type', 'x-namespace', 'x-request-id'],
    exposedHeaders: ['x-request-id'],
    maxAge: 600,
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('preValidation', async (request) => {
      if (request.body !== undefined && hasNul(request.body)) {
        const err = new Error('body: text must not contain NUL (\\u0000) characters') as Error & {
          statusCode: number;
          code: string;
        };
        err.statusCode = 400;
        err.code = 'FST_ERR_NUL_IN_BODY';
        throw err;
      }
    });
}

function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNul);
  if (value && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNul(v));
  }
  return false;
}
