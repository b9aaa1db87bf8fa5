/** Two projects: pure unit specs beside the code, and integration tests under test/ that talk to a
 * real Temporal dev server and a real PostgreSQL (started once by the global setup). */
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

const shared = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  // ts-jest also compiles the few ES-module-only dependencies (content-disposition, pulled in by
  // @fastify/static) and @nestjs/terminus 12, which Node loads natively but Jest's CommonJS
  // runtime cannot.
  transform: {
    '/node_modules/@nestjs/terminus/.+\\.js$': [
      '<rootDir>/test/support/import-meta.transformer.js',
      { tsconfig: '<rootDir>/tsconfig.jest.json', diagnostics: false },
    ],
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json', diagnostics: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|@nestjs/terminus)/)'],
};

module.exports = {
  testTimeout: 120000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs,workflows,activities,config}/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
