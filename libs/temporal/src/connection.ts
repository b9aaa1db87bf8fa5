import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { environment } from '../../../config/environment';
import { engineDataConverter } from './codec/aes-gcm-payload-codec';

export interface TemporalTarget {
  address: string;
  namespace: string;
}

export function temporalTarget(): TemporalTarget {
  const env = environment();
  return { address: env.TEMPORAL_ADDRESS, namespace: env.TEMPORAL_NAMESPACE };
}

/** The data converter of every client and worker: payloads encrypted with the configured keys. */
export function dataConverter(): DataConverter {
  return engineDataConverter(environment().PAYLOAD_CODEC_KEYS);
}

export async function createTemporalClient(
  target: TemporalTarget = temporalTarget(),
): Promise<Client> {
  const connection = await Connection.connect({ address: target.address });
  return new Client({ connection, namespace: target.namespace, dataConverter: dataConverter() });
}

export function createWorkerConnection(
  target: TemporalTarget = temporalTarget(),
): Promise<NativeConnection> {
  return NativeConnection.connect({ address: target.address });
}
