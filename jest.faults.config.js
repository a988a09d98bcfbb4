/** The fault suite (`npm run test:faults`): tests/faults/ only, against a real PostgreSQL through a loopback proxy. */
const main = require('./jest.config.js');

module.exports = {
  ...main,
  testMatch: ['<rootDir>/tests/faults/**/*.test.ts'],
  testPathIgnorePatterns: [],
  // Each case waits for real timeouts (seconds); two files at once keep the suite to a few minutes.
  testTimeout: 180000,
};
