export * from './connection';
export * from './queues';
export * from './search-attributes';
export * from './temporal.module';
