import { boundsFor } from '../../src/db/bounds';
import { Connection } from '../../src/db/connection';
import { Session } from '../../src/db/session';
import { resolveSettings } from '../../src/db/settings';
import { createLogger } from '../../src/log';

/** A runner Session on `url`, as the commands open one (for tests that call the library directly). */
export async function openSession(url: string): Promise<{ session: Session; close(): Promise<void> }> {
  const bounds = boundsFor();
  const c = await Connection.open(resolveSettings(url), { label: 'test', bounds });
  const session = await Session.open(c, createLogger({ level: 'silent' }), { lockTimeout: '5s', statementTimeout: '0' }, bounds);
  return { session, close: () => c.close() };
}
