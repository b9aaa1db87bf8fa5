import 'reflect-metadata';
import { createAgencyWorker } from '@engine/agency-sdk';
import { environment } from '@engine/config/environment';
import { createWorkerConnection } from '@engine/temporal';
import { ctfEvaluationStep, referenceComparisonStep } from './ctf/ctf-evaluation';

/** The reference agency worker: CAISI's automated steps on the `agency-caisi` queue. */
async function main(): Promise<void> {
  const env = environment();
  const connection = await createWorkerConnection();
  try {
    const worker = await createAgencyWorker({
      agency: 'caisi',
      steps: [ctfEvaluationStep, referenceComparisonStep],
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
    });
    process.stdout.write(`agency worker polling agency-caisi at ${env.TEMPORAL_ADDRESS}\n`);
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`agency worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
