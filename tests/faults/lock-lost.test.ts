import { runCli } from '../harness/cli';
import { bump, faultCase, report, secondsSince, until, type FaultCase } from './support';

/**
 * The run lock's session is terminated (pg_terminate_backend) in the middle of a run. The
 * first runner must not commit anything after that; a second runner takes the lock and
 * finishes; every unit is applied exactly once.
 */
let c: FaultCase;
beforeEach(async () => {
  c = await faultCase('locklost', {
    '0001_one.sql': bump(1, 'select pg_sleep(1);\n'),
    '0002_two.sql': bump(2, 'select pg_sleep(1);\n'),
    '0003_three.sql': bump(3, 'select pg_sleep(1);\n'),
  });
});
afterEach(async () => c.end());

const up = () => runCli(['--database-url', c.url, ...c.dirs, 'up', '--json', '--lock-wait', '30s']);

test('lock session terminated mid-run (after the first unit committed): the first runner stops with exit 5, the second finishes, each unit once', async () => {
  const first = up();
  await until(async () => (await c.appliedRows())['0001_one'] === 1);
  const [killed] = await c.db.sql`select pg_terminate_backend(pid, 10000) as done from pg_stat_activity
                                   where datname = current_database() and application_name like 'migrate up run %'`;
  expect(killed?.done).toBe(true);
  const killedAt = performance.now();
  const second = up();
  const [a, b] = await Promise.all([first.then((r) => ({ r, s: secondsSince(killedAt) })), second]).then(([x, y]) => {
    report('lock session terminated mid-run', { firstExit: x.r.code, firstEndedAfterKillS: x.s, firstActions: x.r.json().units.map((u: { action: string }) => u.action), secondExit: y.code });
    return [x.r, y];
  });

  expect(a.code).toBe(5);
  expect(a.json().error.message).toMatch(/no longer holds the migration lock|lost the migration lock/);
  const aActions = a.json().units.map((u: { action: string }) => u.action);
  expect(aActions[0]).toBe('applied');
  expect(aActions.slice(1)).not.toContain('applied');

  expect(b.code).toBe(0);
  expect(b.json().units.map((u: { action: string }) => u.action)).toEqual(['skipped', 'applied', 'applied']);

  expect(await c.counters()).toEqual([1, 1, 1]);
  expect(await c.appliedRows()).toEqual({ '0001_one': 1, '0002_two': 1, '0003_three': 1 });
  const again = await up();
  expect(again.code).toBe(0);
  expect(again.json().units.map((u: { action: string }) => u.action)).toEqual(['skipped', 'skipped', 'skipped']);
});
