import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../libs/persistence/src/data-source';

/**
 * A script's connections to a database and a Temporal server (a DataSource, a worker
 * connection and a client); each registers its closing in `stops`.
 */
export async function openConnections(
  target: { databaseUrl: string; temporalAddress: string; dataConverter?: DataConverter },
  stops: (() => Promise<void>)[],
): Promise<{ db: DataSource; nativeConnection: NativeConnection; client: Client }> {
  const db = new DataSource({ ...dataSourceOptions(target.databaseUrl), logging: false });
  await db.initialize();
  stops.push(() => db.destroy());
  const nativeConnection = await NativeConnection.connect({ address: target.temporalAddress });
  stops.push(() => nativeConnection.close());
  const connection = await Connection.connect({ address: target.temporalAddress });
  stops.push(() => connection.close());
  const client = new Client({
    connection,
    namespace: 'default',
    dataConverter: target.dataConverter,
  });
  return { db, nativeConnection, client };
}
