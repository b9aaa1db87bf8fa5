import 'reflect-metadata';
import { createAgencyWorker, registerStepTypes } from '@engine/agency-sdk';
import { environment } from '@engine/config/environment';
import { createTemporalClient, createWorkerConnection } from '@engine/temporal';
import { ctfEvaluationStep, referenceComparisonStep } from './ctf/ctf-evaluation';

const AGENCY = 'caisi';
const STEPS = [ctfEvaluationStep, referenceComparisonStep];

/** The reference agency worker: CAISI's automated steps on the `agency-caisi` queue. */
async function main(): Promise<void> {
  const env = environment();
  const connection = await createWorkerConnection();
  const client = await createTemporalClient();
  const stopRegistering = new AbortController();
  let registration: Promise<void> = Promise.resolve();
  try {
    const worker = await createAgencyWorker({
      agency: AGENCY,
      steps: STEPS,
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
    });
    process.stdout.write(`agency worker polling agency-${AGENCY} at ${env.TEMPORAL_ADDRESS}\n`);
    // Announce the step kinds so protocols naming them can be published. The engine's core
    // worker records them, so this waits for it without holding up the steps themselves.
    registration = client
      .withAbortSignal(stopRegistering.signal, () =>
        registerStepTypes({ client, agency: AGENCY, steps: STEPS }),
      )
      .then(
        (kinds) => void process.stdout.write(`registered step kinds ${kinds.join(', ')}\n`),
        (err: unknown) => {
          if (stopRegistering.signal.aborted) return;
          process.stderr.write(
            `registering step kinds failed: ${err instanceof Error ? err.message : String(err)}\n`,
          );
        },
      );
    await worker.run();
  } finally {
    // A registration still waiting for the engine must end before its connection closes.
    stopRegistering.abort();
    await registration;
    await client.connection.close();
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`agency worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
