import { DEFAULT_CONNECTION_TIMEOUT_MS } from '../db/bounds';
import type { Timeouts } from '../db/session';

/** The flags' defaults; on their own, so that declaring the flags (`--help`) loads no database code. */
export const DEFAULTS = {
  migrationsDir: 'database/migrations',
  phasesDir: 'phases',
  lockWaitMs: 5000,
  connectionTimeoutMs: DEFAULT_CONNECTION_TIMEOUT_MS,
  timeouts: { lockTimeout: '5s', statementTimeout: '0' } as Timeouts,
};
