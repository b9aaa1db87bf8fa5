import 'reflect-metadata';
import * as fs from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { DataSourceOptions } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { environment, type EnvironmentVariables } from '../../../config/environment';
import { ENTITIES } from './entities';
import { InitialSchema1764201600000 } from './migrations/1764201600000-InitialSchema';
import { StepTypeRegistry1764288000000 } from './migrations/1764288000000-StepTypeRegistry';
import { ReadModelTables1764374400000 } from './migrations/1764374400000-ReadModelTables';
import { SecurityAudit1764460800000 } from './migrations/1764460800000-SecurityAudit';
import { OperatorRequests1764547200000 } from './migrations/1764547200000-OperatorRequests';
import { Notifications1764633600000 } from './migrations/1764633600000-Notifications';

export const MIGRATIONS = [
  InitialSchema1764201600000,
  StepTypeRegistry1764288000000,
  ReadModelTables1764374400000,
  SecurityAudit1764460800000,
  OperatorRequests1764547200000,
  Notifications1764633600000,
];

/** Options for the one DataSource the apps and the migration CLI share. */
export function dataSourceOptions(url: string): DataSourceOptions {
  const ssl = databaseSsl();
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: environment().LOG_SQL,
    extra: { max: 10 },
    // pg takes tls.connect options; TypeORM's type names the server-side TlsOptions instead.
    ...(ssl !== undefined && { ssl: ssl as PostgresConnectionOptions['ssl'] }),
  };
}

/**
 * TLS to PostgreSQL from DATABASE_SSL_MODE and DATABASE_CA_FILE with libpq's meanings; undefined
 * leaves it to DATABASE_URL (`?sslmode=...&sslrootcert=...`, which pg reads itself).
 */
export function databaseSsl(
  env: Pick<EnvironmentVariables, 'DATABASE_SSL_MODE' | 'DATABASE_CA_FILE'> = environment(),
): false | TlsOptions | undefined {
  const ca = env.DATABASE_CA_FILE ? fs.readFileSync(env.DATABASE_CA_FILE, 'utf8') : undefined;
  switch (env.DATABASE_SSL_MODE) {
    case undefined:
      return undefined;
    case 'disable':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      // Signed by the CA is enough; the host name is not compared.
      return { ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { ca, rejectUnauthorized: true };
  }
}

export function databaseUrl(): string {
  const url = environment().DATABASE_URL;
  if (!url) {
    throw new Error(
      'DATABASE_URL is not set (npm start sets it after starting embedded PostgreSQL)',
    );
  }
  return url;
}
