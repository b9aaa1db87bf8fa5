import 'reflect-metadata';
import { environment } from '@engine/config/environment';
import { createApiApp } from './create-api-app';
import { ProtocolCatalogService } from './protocols/protocol-catalog.service';

async function main(): Promise<void> {
  const env = environment();
  const app = await createApiApp();
  await app.get(ProtocolCatalogService).seedFromFiles();
  await app.listen(env.API_PORT, env.API_HOST);
  process.stdout.write(`API listening on ${await app.getUrl()}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`api failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
