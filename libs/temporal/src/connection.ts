import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { environment } from '../../../config/environment';

export interface TemporalTarget {
  address: string;
  namespace: string;
}

export function temporalTarget(): TemporalTarget {
  const env = environment();
  return { address: env.TEMPORAL_ADDRESS, namespace: env.TEMPORAL_NAMESPACE };
}

export async function createTemporalClient(
  target: TemporalTarget = temporalTarget(),
): Promise<Client> {
  const connection = await Connection.connect({ address: target.address });
  return new Client({ connection, namespace: target.namespace });
}

export function createWorkerConnection(
  target: TemporalTarget = temporalTarget(),
): Promise<NativeConnection> {
  return NativeConnection.connect({ address: target.address });
}
