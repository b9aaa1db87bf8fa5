import 'reflect-metadata';
import { createAgencyWorker, registerStepTypes } from '@engine/agency-sdk';
import { environment } from '@engine/config/environment';
import { createLogger, startTracing } from '@engine/observability';
import { createTemporalClient } from '@engine/temporal';
import { runWorkerProcess } from '@engine/temporal/worker-process';
import { ctfEvaluationStep, referenceComparisonStep } from './ctf/ctf-evaluation';

const AGENCY = 'caisi';
const STEPS = [ctfEvaluationStep, referenceComparisonStep];

/** The reference agency worker: CAISI's automated steps on the `agency-caisi` queue. */
async function main(): Promise<void> {
  const env = environment();
  const logger = createLogger('agency-worker').child({ agency: AGENCY });
  const tracing = startTracing(`agency-worker-${AGENCY}`); // off unless OTEL_EXPORTER_OTLP_ENDPOINT
  await runWorkerProcess({
    logger,
    createWorker: (connection) =>
      createAgencyWorker({
        agency: AGENCY,
        steps: STEPS,
        connection,
        namespace: env.TEMPORAL_NAMESPACE,
      }),
    // Announce the step kinds so protocols naming them can be published. The engine's core
    // worker records them, so this waits for it without holding up the steps themselves.
    whileRunning: () => {
      const stopRegistering = new AbortController();
      const registration = createTemporalClient().then(async (client) => {
        try {
          const kinds = await client.withAbortSignal(stopRegistering.signal, () =>
            registerStepTypes({ client, agency: AGENCY, steps: STEPS }),
          );
          logger.info({ kinds }, `registered step kinds ${kinds.join(', ')}`);
        } catch (err) {
          if (!stopRegistering.signal.aborted)
            logger.error({ err }, 'registering step kinds failed');
        } finally {
          await client.connection.close();
        }
      });
      // A registration still waiting for the engine must end before the process exits.
      return async () => {
        stopRegistering.abort();
        await registration.catch((err: unknown) =>
          logger.error({ err }, 'could not connect to register step kinds'),
        );
      };
    },
  });
  await tracing?.shutdown();
}

main().catch((err: unknown) => {
  process.stderr.write(`agency worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
