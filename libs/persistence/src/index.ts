export * from './entities';
export { dataSourceOptions, databaseUrl, MIGRATIONS } from './data-source';
export * from './embedded-postgres';
export * from './migrate';
export * from './audit';
export type { OpsRequestStatus } from './entities/ops-request.entity';
