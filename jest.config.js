/** Real PostgreSQL for every test file; see tests/harness/global-setup.ts for which one. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // The fault suite runs on its own (`npm run test:faults`, jest.faults.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/faults/'],
  globalSetup: '<rootDir>/tests/harness/global-setup.ts',
  globalTeardown: '<rootDir>/tests/harness/global-teardown.ts',
  testTimeout: 120000,
  maxWorkers: 2,
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: { warnOnly: false } }] },
};
