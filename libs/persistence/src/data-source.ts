import 'reflect-metadata';
import { DataSourceOptions } from 'typeorm';
import { environment } from '../../../config/environment';
import { ENTITIES } from './entities';
import { InitialSchema1764201600000 } from './migrations/1764201600000-InitialSchema';
import { StepTypeRegistry1764288000000 } from './migrations/1764288000000-StepTypeRegistry';
import { ReadModelTables1764374400000 } from './migrations/1764374400000-ReadModelTables';
import { SecurityAudit1764460800000 } from './migrations/1764460800000-SecurityAudit';

export const MIGRATIONS = [
  InitialSchema1764201600000,
  StepTypeRegistry1764288000000,
  ReadModelTables1764374400000,
  SecurityAudit1764460800000,
];

/** Options for the one DataSource the apps and the migration CLI share. */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: environment().LOG_SQL,
    extra: { max: 10 },
  };
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
