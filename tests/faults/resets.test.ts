import { runCli } from '../harness/cli';
import { bump, faultCase, report, secondsSince, type FaultCase } from './support';

/**
 * A connection reset at each point of a unit's one round trip (BEGIN, the statements, the
 * history row, COMMIT). Whatever the point, the unit's statements run only inside its
 * transaction, the report says exactly what the history says, and the next run completes.
 */
const UNITS = { '0951_first.sql': bump(1), '0952_second.sql': bump(2) };

let c: FaultCase;
beforeEach(async () => {
  c = await faultCase('resets', UNITS);
});
afterEach(async () => c.end());

const up = () => runCli(['--database-url', c.url, ...c.dirs, 'up', '--json']);

/** Runs `up` with the fault armed; reports how long the run took after the fault fired. */
async function upWith(label: string, fault: Promise<void>) {
  let firedAt = 0;
  void fault.then(() => (firedAt = performance.now()));
  const run = await up();
  await fault;
  report(label, { exitCode: run.code, runEndedAfterFaultS: secondsSince(firedAt), actions: actions(run) });
  return run;
}
const actions = (r: { json(): { units: Array<{ name: string; action: string }> } }) => Object.fromEntries(r.json().units.map((u) => [u.name, u.action]));

async function nextRunCompletes() {
  const again = await up();
  expect(again.code).toBe(0);
  expect(await c.counters()).toEqual([1, 1]);
  expect(await c.appliedRows()).toEqual({ '0951_first': 1, '0952_second': 1 });
}

test('reset just after BEGIN: nothing of the unit runs anywhere; reported failed and not run', async () => {
  const run = await upWith('reset after BEGIN', c.proxy.on(/^begin/i, 'after', 'reset', { followedBy: /update counter set n = n \+ 1 where id = 1;/ }));
  expect(run.code).toBe(1);
  expect(actions(run)).toEqual({ '0951_first': 'failed', '0952_second': 'not-run' });
  expect(run.json().error.message).toMatch(/connection to the server was lost .*during 0951_first/);
  // Before the fix, postgres.js reconnected and ran both units outside any transaction: [1, 1].
  expect(await c.counters()).toEqual([0, 0]);
  expect(await c.appliedRows()).toEqual({});
  await nextRunCompletes();
});

test('reset during the server\'s syntax check (before any unit): nothing runs, one clear error, the next run completes', async () => {
  const [{ major }] = await c.db.sql<{ major: number }[]>`select current_setting('server_version_num')::int / 10000 as major`;
  // Only servers whose grammar the runner does not carry are asked to check syntax (src/engine/syntax.ts).
  if (![13, 15, 16].includes(major)) return;
  const run = await upWith('reset during the syntax check', c.proxy.on(/pg_temp\.migrate_syntax_/, 'after', 'reset'));
  expect(run.code).toBe(2);
  expect(run.json().error.message).toMatch(/connection/i);
  expect(await c.counters()).toEqual([0, 0]);
  expect(await c.appliedRows()).toEqual({});
  await nextRunCompletes();
});

test('reset before COMMIT reaches the server: the server rolls the unit back; reported failed', async () => {
  const run = await upWith('reset before COMMIT', c.proxy.on(/^commit/i, 'before', 'reset'));
  expect(run.code).toBe(1);
  expect(actions(run)).toEqual({ '0951_first': 'failed', '0952_second': 'not-run' });
  expect(await c.counters()).toEqual([0, 0]);
  expect(await c.appliedRows()).toEqual({});
  const [{ n }] = await c.db.sql`select count(*)::int as n from migrate.history where event = 'failed' and unit = '0951_first'`;
  expect(n).toBe(1);
  await nextRunCompletes();
});

test('reset after COMMIT (its acknowledgement lost): reported applied, with a note, from the history', async () => {
  const run = await upWith('reset after COMMIT', c.proxy.on(/^commit/i, 'after', 'reset'));
  expect(run.code).toBe(1);
  expect(actions(run)).toEqual({ '0951_first': 'applied', '0952_second': 'not-run' });
  expect(run.json().units[0].reason).toMatch(/COMMIT acknowledgement was lost/);
  expect(await c.counters()).toEqual([1, 0]);
  expect(await c.appliedRows()).toEqual({ '0951_first': 1 });
  await nextRunCompletes();
});
