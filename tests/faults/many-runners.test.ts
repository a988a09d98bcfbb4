import { startBin, type BinRun } from '../harness/bin';
import { runCli } from '../harness/cli';
import { bump, faultCase, report, until, type FaultCase } from './support';

/**
 * Five runners started at once on the same database (five processes, through the proxy): one
 * takes the lock and applies; the others wait, then find nothing to do. Each unit is applied
 * exactly once, and every runner's report agrees with the history.
 */
const UNITS = {
  '0001_one.sql': bump(1, 'select pg_sleep(0.3);\n'),
  '0002_two.sql': bump(2, 'select pg_sleep(0.3);\n'),
  '0003_three.sql': bump(3, 'select pg_sleep(0.3);\n'),
};
const NAMES = ['0001_one', '0002_two', '0003_three'];

let c: FaultCase;
beforeEach(async () => {
  c = await faultCase('runners', UNITS);
});
afterEach(async () => c.end());

const start = () => startBin(['--database-url', c.url, ...c.dirs, 'up', '--json', '--lock-wait', '60s', '--connection-timeout', '2s']);
const parsed = (r: BinRun) => JSON.parse(r.stdout) as { runId: string; units: Array<{ name: string; action: string }>; error?: { message: string } };

/** Every unit a runner reports applied has exactly one applied row, written by that runner's run. */
async function reportsAgreeWithHistory(runs: BinRun[]) {
  const rows = await c.db.sql<{ unit: string; run_id: string }[]>`select unit, run_id::text as run_id from migrate.history where event = 'applied'`;
  for (const r of runs) {
    const body = parsed(r);
    for (const u of body.units) {
      const mine = rows.filter((x) => x.unit === u.name && x.run_id === body.runId).length;
      expect({ unit: u.name, action: u.action, rows: mine }).toEqual({ unit: u.name, action: u.action, rows: u.action === 'applied' ? 1 : 0 });
    }
  }
}

test('five runners at once: one applies, four find nothing to do; each unit applied exactly once', async () => {
  const runs = await Promise.all([...Array(5)].map(() => start().result));
  expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);
  const shapes = runs.map((r) => parsed(r).units.map((u) => u.action).join(',')).sort();
  expect(shapes).toEqual(['applied,applied,applied', ...Array(4).fill('skipped,skipped,skipped')]);
  expect(await c.counters()).toEqual([1, 1, 1]);
  expect(await c.appliedRows()).toEqual(Object.fromEntries(NAMES.map((n) => [n, 1])));
  await reportsAgreeWithHistory(runs);
});

test('five runners at once, every connection reset after the first unit committed: no unit twice, reports agree, the next run completes', async () => {
  const started = [...Array(5)].map(() => start());
  await until(async () => Object.keys(await c.appliedRows()).length >= 1);
  c.proxy.resetAll();
  const runs = await Promise.all(started.map((s) => s.result));
  report('five runners, all connections reset mid-run', { exitCodes: runs.map((r) => r.code).sort(), applied: await c.appliedRows() });
  // 1: stopped mid-run, its report read back from the history; 2: lost while waiting for the lock, nothing run.
  for (const r of runs) expect([0, 1, 2, 5]).toContain(r.code);
  const counters = await c.counters();
  expect(counters.every((n) => n <= 1)).toBe(true);
  const applied = await c.appliedRows();
  expect(NAMES.map((n) => applied[n] ?? 0)).toEqual(counters);
  await reportsAgreeWithHistory(runs);

  const again = await runCli(['--database-url', c.url, ...c.dirs, 'up', '--json']);
  expect(again.code).toBe(0);
  expect(await c.counters()).toEqual([1, 1, 1]);
  expect(await c.appliedRows()).toEqual(Object.fromEntries(NAMES.map((n) => [n, 1])));
});
