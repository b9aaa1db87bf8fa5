/**
 * Fault-injection tests (`npm run test:reliability`): the integration project's setup (a real
 * Temporal dev server, a scratch PostgreSQL database, the workflow bundle), run apart from
 * `npm test` because they kill and restart processes and take minutes.
 */
const path = require('node:path');
const base = require('../../jest.config.js');

const integration = base.projects.find((p) => p.displayName === 'integration');

module.exports = {
  rootDir: path.resolve(__dirname, '../..'),
  testTimeout: 300000,
  projects: [
    {
      ...integration,
      rootDir: path.resolve(__dirname, '../..'),
      displayName: 'reliability',
      testMatch: ['<rootDir>/test/reliability/**/*.test.ts'],
    },
  ],
};
