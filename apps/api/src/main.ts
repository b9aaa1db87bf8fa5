import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { environment } from '@engine/config/environment';
import { startTracing } from '@engine/observability';
import { createApiApp } from './create-api-app';
import { ProtocolCatalogService } from './protocols/protocol-catalog.service';

async function main(): Promise<void> {
  const env = environment();
  const tracing = startTracing('review-engine-api'); // off unless OTEL_EXPORTER_OTLP_ENDPOINT
  const app = await createApiApp();
  const logger = app.get(Logger);
  await app.get(ProtocolCatalogService).seedFromFiles();
  await app.listen(env.API_PORT, env.API_HOST);
  logger.log(`API listening on ${await app.getUrl()}`, 'Main');

  // On SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish, run the
  // modules' shutdown hooks (Temporal and PostgreSQL connections), then exit 0.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: finishing in-flight requests, then stopping`, 'Main');
    app
      .close()
      .then(() => tracing?.shutdown())
      .then(
        () => {
          logger.log('API stopped', 'Main');
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'API did not stop cleanly', 'Main');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`api failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
