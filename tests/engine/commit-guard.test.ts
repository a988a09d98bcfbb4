import { randomUUID } from 'node:crypto';
import { Session } from '../../src/db/session';
import { LockLostError } from '../../src/errors';
import { History } from '../../src/engine/history';
import { withRunLock } from '../../src/engine/lock';
import { createLogger } from '../../src/log';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { openSession } from '../harness/session';

/**
 * A unit's history row and the run-lock guard go as one statement, the last before COMMIT
 * (History.recordStep with the guard, a MATERIALIZED CTE), and the settings join the first
 * SELECT of the transaction (Session joinSelects). These try to break both: the guard must
 * still stop the commit once the lock session is gone, and the unit's settings must hold for
 * the statements after them.
 */
let db: TestDatabase;
let work: { session: Session; close(): Promise<void> };
let lock: { session: Session; close(): Promise<void> };
beforeAll(async () => {
  db = await freshDatabase('commitguard');
  work = await openSession(db.url);
  lock = await openSession(db.url);
  await History.ensure(work.session);
});
afterAll(async () => {
  await work.close();
  await lock.close().catch(() => undefined);
  await db.drop();
});

const applied = (runId: string, unit: string) => ({ runId, unit, kind: 'migration' as const, event: 'applied' as const, checksum: 'x' });
const rows = async (unit: string) => Number((await db.sql`select count(*)::int as n from migrate.history where unit = ${unit}`)[0].n);
const table = async (name: string) => (await db.sql`select to_regclass(${name}) as t`)[0].t;

test('the guard fused into the history row: commits while the run holds the lock, and once the lock session is gone the unit does not commit', async () => {
  const runId = randomUUID();
  let checked = false;
  await withRunLock(lock.session, { waitMs: 5000, label: 'migrate test guard', log: createLogger({ level: 'silent' }) }, async (runLock) => {
    await work.session.atomic([{ script: 'create table guard_kept (id int);', file: 'kept.sql' }, History.recordStep(applied(runId, 'kept'), runLock.guard)]);
    expect(await table('guard_kept')).toBe('guard_kept');
    expect(await rows('kept')).toBe(1);

    // With a timeout the call returns once the backend is gone; without one, only signalled, the
    // dying session may still hold the lock when the next unit's guard looks.
    await db.sql`select pg_terminate_backend(${runLock.pid}, 10000)`;
    await expect(work.session.atomic([{ script: 'create table guard_lost (id int);', file: 'lost.sql' }, History.recordStep(applied(runId, 'lost'), runLock.guard)]))
      .rejects.toThrow(/no longer holds the migration lock/);
    expect(await table('guard_lost')).toBeNull();
    expect(await rows('lost')).toBe(0);
    checked = true;
  }).catch((err: unknown) => {
    // The lock session's end may also surface from withRunLock itself, after the checks.
    if (!(err instanceof LockLostError) || !checked) throw err;
  });
  expect(checked).toBe(true);
});

test('joined SELECTs: the unit\'s lock_timeout, set in the first statement, holds for the steps after it, and a joined step that raises aborts the unit', async () => {
  const [, after] = await work.session.atomic([
    { query: 'select $1::text as marker', params: ['first'], joinable: true },
    { query: "select current_setting('lock_timeout') as lock_timeout" },
  ]);
  expect((after as Array<{ lock_timeout: string }>)[0].lock_timeout).toBe('5s');

  await expect(work.session.atomic([
    { script: 'create table joined_abort (id int);', file: 'abort.sql' },
    { query: "select 1 / $1::int as boom", params: [0], joinable: true },
    { query: "select 'never' as tail", joinable: true },
  ])).rejects.toThrow(/division by zero/);
  expect(await table('joined_abort')).toBeNull();
});
