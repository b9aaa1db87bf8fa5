import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions, databaseUrl } from './data-source';

/**
 * The DataSource the TypeORM CLI loads (`npm run migration:run`). Kept apart from data-source.ts
 * so importing the persistence library never reads the environment at import time.
 */
export default new DataSource(dataSourceOptions(databaseUrl()));
