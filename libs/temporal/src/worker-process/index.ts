export * from './run-worker-process';
export * from './worker-health';
export * from './worker-runtime';
