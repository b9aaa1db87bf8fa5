export * from './assessment-step';
export * from './agency-worker';
export * from './register';
