import * as fs from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { environment, type EnvironmentVariables } from '../../../config/environment';
import { temporalPlugins } from '../../observability/src/tracing';
import { engineDataConverter } from './codec/aes-gcm-payload-codec';

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** TLS to the frontend; absent = plaintext (a local dev server). */
  tls?: TLSConfig;
  /** Temporal Cloud API key, sent as a bearer token. */
  apiKey?: string;
}

/**
 * Where and how to reach Temporal, from the validated environment: the same for the API's client
 * and every worker's NativeConnection, so a deployment configures mTLS or an API key once.
 */
export function temporalTarget(env: EnvironmentVariables = environment()): TemporalTarget {
  const read = (file: string | undefined) => (file ? fs.readFileSync(file) : undefined);
  const cert = read(env.TEMPORAL_TLS_CERT_FILE);
  const key = read(env.TEMPORAL_TLS_KEY_FILE);
  const ca = read(env.TEMPORAL_TLS_CA_FILE);
  const useTls =
    env.TEMPORAL_TLS || Boolean(cert || ca || env.TEMPORAL_TLS_SERVER_NAME || env.TEMPORAL_API_KEY);
  return {
    address: env.TEMPORAL_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE,
    tls: useTls
      ? {
          ...(env.TEMPORAL_TLS_SERVER_NAME && { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME }),
          ...(ca && { serverRootCACertificate: ca }),
          ...(cert && key && { clientCertPair: { crt: cert, key } }),
        }
      : undefined,
    apiKey: env.TEMPORAL_API_KEY,
  };
}

/** The data converter of every client and worker: payloads encrypted with the configured keys. */
export function dataConverter(): DataConverter {
  return engineDataConverter(environment().PAYLOAD_CODEC_KEYS);
}

function connectOptions(target: TemporalTarget) {
  return {
    address: target.address,
    ...(target.tls && { tls: target.tls }),
    ...(target.apiKey && { apiKey: target.apiKey }),
  };
}

export async function createTemporalClient(
  target: TemporalTarget = temporalTarget(),
): Promise<Client> {
  const connection = await Connection.connect(connectOptions(target));
  return new Client({
    connection,
    namespace: target.namespace,
    dataConverter: dataConverter(),
    plugins: temporalPlugins(), // tracing, when on
  });
}

export function createWorkerConnection(
  target: TemporalTarget = temporalTarget(),
): Promise<NativeConnection> {
  return NativeConnection.connect(connectOptions(target));
}
