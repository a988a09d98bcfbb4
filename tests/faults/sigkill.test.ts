import { startBin } from '../harness/bin';
import { runCli } from '../harness/cli';
import { bump, faultCase, report, secondsSince, until, type FaultCase } from './support';

/**
 * The runner process is killed (SIGKILL) while a unit runs a long statement: no goodbye, no
 * ROLLBACK. The server must notice the vanished client while the statement still runs
 * (client_connection_check_interval, PG 14+) and roll the unit back; what committed before
 * stays; the next run completes. T is --connection-timeout.
 */
const T = 2;
const slowWhile = "select pg_sleep(case when (select slow from knobs) then 60 else 0 end);\n";
let c: FaultCase;
beforeEach(async () => {
  c = await faultCase('sigkill', { '0001_one.sql': bump(1), '0002_slow.sql': bump(2, slowWhile), '0003_three.sql': bump(3) },
    'create table knobs (slow boolean not null); insert into knobs values (true);');
});
afterEach(async () => c.end());

const sessions = async () =>
  (await c.db.sql`select application_name from pg_stat_activity where datname = current_database() and application_name like 'migrate%'`).length;

test('SIGKILL mid-unit: the server rolls the unit back within its bound; earlier units stay; the next run completes', async () => {
  const { child, result } = startBin(['--database-url', c.url, ...c.dirs, 'up', '--connection-timeout', `${T}s`]);
  await until(async () => (await c.db.sql`select 1 from pg_stat_activity where datname = current_database() and application_name = 'migrate' and state = 'active' and query like '%pg_sleep(case%'`).length > 0);
  const started = performance.now();
  child.kill('SIGKILL');
  const run = await result;
  await until(async () => (await sessions()) === 0);
  const serverEnded = secondsSince(started);
  report('SIGKILL of the runner mid-unit', { T, serverEndedBothSessionsS: serverEnded, statementWouldHaveRunS: 60 });

  expect(run.code).toBe(1); // killed: no exit code of its own
  // client_connection_check_interval is max(1 s, T/5); without it the statement would run its 60 s.
  expect(serverEnded).toBeLessThanOrEqual(T + 2);
  expect(await c.counters()).toEqual([1, 0, 0]);
  expect(await c.appliedRows()).toEqual({ '0001_one': 1 });
  // Its statement gone and the run lock free: nothing of the dead runner is left for the next one to wait on.
  expect(await c.db.sql`select pid from pg_stat_activity where datname = current_database() and query like '%pg_sleep(case%' and pid <> pg_backend_pid()`).toHaveLength(0);
  expect(await c.db.sql`select 1 from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`).toHaveLength(0);
  // The killed runner wrote nothing about the unit it was in: no row says it failed, or that it applied.
  expect(await c.db.sql`select unit, event from migrate.history where unit = '0002_slow'`).toHaveLength(0);

  await c.db.sql`update knobs set slow = false`;
  const again = await runCli(['--database-url', c.url, ...c.dirs, 'up', '--json']);
  expect(again.code).toBe(0);
  expect(again.json().units.map((u: { action: string }) => u.action)).toEqual(['skipped', 'applied', 'applied']);
  expect(await c.counters()).toEqual([1, 1, 1]);
  expect(await c.appliedRows()).toEqual({ '0001_one': 1, '0002_slow': 1, '0003_three': 1 });
});
