export * from './errors';
export * from './artifacts';
export * from './assessment-step';
export * from './agency-worker';
export * from './register';
