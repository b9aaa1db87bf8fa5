export * from './connection';
export * from './queues';
export * from './search-attributes';
export * from './temporal.module';
export * from './codec/aes-gcm-payload-codec';
export * from './committed-task';
export * from './history-events';
export * from './worker-identity';
