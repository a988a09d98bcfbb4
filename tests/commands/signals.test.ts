import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startBin, startOnTerminal, runOnTerminal } from '../harness/bin';
import { runCli } from '../harness/cli';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { migrationsProject } from '../harness/fixtures';
import { tempDir } from '../harness/tmp';

/**
 * Ctrl-C and SIGTERM during a run, and what a run shows while it runs. The slow unit sleeps
 * for 10 minutes while knobs.slow is set: a run that ends at all within the test's time was
 * stopped, not waited out. Every case ends with a run that completes.
 */
const SLOW = 'create table two (id int);\nselect pg_sleep(case when (select slow from knobs) then 600 else 0 end);\n';
const UNITS = { '0001_one.sql': 'create table one (id int);\n', '0002_slow.sql': SLOW, '0003_three.sql': 'create table three (id int);\n' };

let db: TestDatabase;
let dirs: string[];
beforeEach(async () => {
  db = await freshDatabase('signals');
  await db.sql`create table knobs (slow boolean not null)`;
  await db.sql`insert into knobs values (true)`;
  const p = migrationsProject(UNITS);
  dirs = ['--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir];
});
afterEach(async () => db.drop());

/** Resolves once what `child` printed on `stream` matches. */
function seen(child: ChildProcess, pattern: RegExp, stream: 'stdout' | 'stderr' = 'stderr'): Promise<string> {
  let text = '';
  return new Promise((resolve) => {
    const look = (d: Buffer) => {
      text += d;
      const m = pattern.exec(text);
      if (m) {
        child[stream]!.off('data', look);
        resolve(m[0]);
      }
    };
    child[stream]!.on('data', look);
  });
}

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 50));
}

/** The slow unit's statement, as the server runs it. */
const sleeping = async () => (await db.sql`select pid from pg_stat_activity where datname = current_database() and application_name = 'migrate' and state = 'active' and query like '%pg_sleep(case%'`).length > 0;

/** After the run: its statement gone from the server, its advisory lock released, the slow unit rolled back, recorded as interrupted. */
async function expectStoppedCleanly(signal: string): Promise<void> {
  expect(await sleeping()).toBe(false);
  const locks = await db.sql`select 1 from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`;
  expect(locks).toHaveLength(0);
  const [t] = await db.sql`select to_regclass('public.one') is not null as one, to_regclass('public.two') is not null as two, to_regclass('public.three') is not null as three`;
  expect(t).toEqual({ one: true, two: false, three: false });
  const rows = await db.sql`select unit, event, detail->>'error' as error, detail->>'interrupted' as interrupted from migrate.history order by id`;
  expect(rows.map((r) => [r.unit, r.event])).toEqual([['0001_one', 'applied'], ['0002_slow', 'failed']]);
  expect(rows[1].error).toMatch(new RegExp(`interrupted by ${signal}: 0002_slow was cancelled on the server and its transaction rolled back`));
  expect(rows[1].interrupted).toBe(signal);
}

/** The next run, once the unit is no longer slow, applies what the interrupted one did not. */
async function expectNextRunFinishes(): Promise<void> {
  await db.sql`update knobs set slow = false`;
  const again = await runCli(['--database-url', db.url, ...dirs, 'up', '--json']);
  expect(again.code).toBe(0);
  expect(again.json().units.map((u: { name: string; action: string }) => `${u.name} ${u.action}`)).toEqual(['0001_one skipped', '0002_slow applied', '0003_three applied']);
}

test('SIGTERM during a unit: its statement is cancelled on the server, the unit rolled back, the lock released, exit 1, and the output says what was applied and what was not', async () => {
  const log = path.join(tempDir('signals-'), 'run.jsonl');
  const { child, result } = startBin(['--database-url', db.url, ...dirs, 'up', '--log-file', log]);
  await seen(child, /\[2\/3\] 0002_slow +started/);
  await until(sleeping);
  child.kill('SIGTERM');
  const run = await result;

  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/✓ applied +0001_one/);
  expect(run.stdout).toMatch(/✗ failed +0002_slow .*interrupted by SIGTERM: 0002_slow was cancelled on the server and its transaction rolled back/);
  expect(run.stdout).toMatch(/○ not-run +0003_three/);
  expect(run.stderr).toMatch(/^hint: what committed before stays; run `migrate up` again to finish$/m);
  // Not a terminal: plain progress lines with [k/N], and the cancellation said as it happened.
  expect(run.stderr).toMatch(/^\[1\/3\] 0001_one +started \d\d:\d\d:\d\dZ$/m);
  expect(run.stderr).toMatch(/^\[1\/3\] 0001_one +applied \d+ ms$/m);
  expect(run.stderr).toMatch(/^SIGTERM: stopping/m);
  expect(run.stderr).toMatch(/^\[2\/3\] 0002_slow +its statement was cancelled on the server \(pid \d+\)$/m);
  for (const line of run.stderr.split('\n').filter((l) => /^\[\d+\/\d+\]/.test(l))) expect(line.length).toBeLessThanOrEqual(80);
  await expectStoppedCleanly('SIGTERM');

  // The run id: printed at the start and at the end, in its history rows and in every log line.
  const runId = /^migrate up {2}run ([0-9a-f-]{36})$/m.exec(run.stderr)![1];
  expect(run.stdout).toMatch(new RegExp(`^FAILED: .* run ${runId}$`, 'm'));
  const ids = await db.sql`select distinct run_id::text as id from migrate.history`;
  expect(ids.map((r) => r.id)).toEqual([runId]);
  const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(lines.length).toBeGreaterThan(2);
  for (const l of lines) expect(l.runId).toBe(runId);

  await expectNextRunFinishes();
});

test('Ctrl-C on a terminal: the same, and the live list shows [k/N] and the unit running', async () => {
  const args = ['--database-url', db.url, ...dirs].map((a) => `'${a}'`).join(' ');
  // bash runs the one command in its own place (exec), as a person's shell runs it in the foreground: Ctrl-C reaches migrate alone.
  const t = startOnTerminal(`migrate ${args} up`, { env: { TERM: 'xterm', SHELL: '/bin/bash' } });
  await seen(t.child, /\[2\/3\] 0002_slow +running/, 'stdout');
  await until(sleeping);
  t.type('\x03');
  const run = await t.result;

  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/SIGINT: stopping/);
  expect(run.stdout).toMatch(/✗ failed +0002_slow .*interrupted by SIGINT/);
  expect(run.stdout).toMatch(/○ not-run +0003_three/);
  expect(run.stdout).toMatch(/hint: what committed before stays; run `migrate up` again to finish/);
  await expectStoppedCleanly('SIGINT');
  await expectNextRunFinishes();
});

test('SIGTERM during a rollback: the down step is cancelled and undone, the unit stays applied, exit 1', async () => {
  const p = migrationsProject({ '0001_four.sql': 'create table four (id int);\n', '0001_four.down.sql': 'drop table four;\nselect pg_sleep(case when (select slow from knobs) then 600 else 0 end);\n' });
  const flags = ['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir];
  expect((await runCli([...flags, 'up'])).code).toBe(0);
  const { child, result } = startBin([...flags, 'rollback', '0001', '--yes']);
  await until(sleeping);
  child.kill('SIGTERM');
  const run = await result;
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/✗ failed +0001_four .*interrupted by SIGTERM/);
  expect(run.stderr).toMatch(/^hint: what committed before stays; run `migrate rollback 0001` again to finish$/m);
  expect(await sleeping()).toBe(false);
  const [{ four }] = await db.sql`select to_regclass('public.four') is not null as four`;
  expect(four).toBe(true);
  await db.sql`update knobs set slow = false`;
  expect((await runCli([...flags, 'rollback', '0001', '--yes'])).code).toBe(0);
});

test('on a terminal: colour, unless NO_COLOR is set; never when not a terminal', async () => {
  const args = ['--database-url', db.url, ...dirs].map((a) => `'${a}'`).join(' ');
  await db.sql`update knobs set slow = false`;
  const coloured = await runOnTerminal(`migrate ${args} up --dry-run`, { env: { TERM: 'xterm' } });
  expect(coloured.code).toBe(0);
  expect(coloured.stdout).toMatch(/\x1b\[32m(would apply|dry run succeeded)/);
  const plainRun = await runOnTerminal(`migrate ${args} up --dry-run`, { env: { TERM: 'xterm', NO_COLOR: '1' } });
  expect(plainRun.code).toBe(0);
  expect(plainRun.stdout).toMatch(/dry run succeeded/);
  expect(plainRun.stdout).not.toMatch(/\x1b\[3\dm/);
  const piped = await runCli(['--database-url', db.url, ...dirs, 'up', '--dry-run']);
  expect(piped.stdout + piped.stderr).not.toMatch(/\x1b\[/);
});

test('a unit that waits on a lock held by another session for a few seconds names that session\'s pid, and finishes once it is released', async () => {
  await db.sql`update knobs set slow = false`;
  expect((await runCli(['--database-url', db.url, ...dirs, 'up'])).code).toBe(0);
  const p = migrationsProject({ ...UNITS, '0004_lock.sql': 'alter table one add column note text;\n' });
  const holder = await db.sql.reserve();
  try {
    const [{ pid }] = await holder`select pg_backend_pid() as pid`;
    await holder`begin`;
    await holder`lock table one in access share mode`;
    const { child, result } = startBin(['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'up', '--lock-timeout', '100s']);
    const line = await seen(child, /^\[1\/1\] 0004_lock .*waiting on pid \d+.*$/m);
    expect(line).toContain(`waiting on pid ${pid} (`);
    expect(line.length).toBeLessThanOrEqual(80);
    await holder`commit`;
    const run = await result;
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^\[1\/1\] 0004_lock +applied/m);
  } finally {
    holder.release();
  }
});

test('--json: no progress, the run shape unchanged', async () => {
  await db.sql`update knobs set slow = false`;
  const run = await runCli(['--database-url', db.url, ...dirs, 'up', '--json']);
  expect(run.code).toBe(0);
  expect(run.stderr).toBe('');
  expect(run.json()).toMatchObject({ ok: true, dryRun: false, runId: expect.any(String), units: [{ name: '0001_one', action: 'applied' }, { name: '0002_slow' }, { name: '0003_three' }] });
});

test('SIGTERM while the run waits for a session in its way (before the first change): the wait ends at once, exit 1, nothing applied', async () => {
  const p = migrationsProject({ '0001_alter_knobs.sql': 'alter table knobs add column waited int;\n' });
  const log = path.join(tempDir('signals-wait-'), 'run.jsonl');
  // An open transaction that has read knobs: the ALTER cannot have its lock while it lasts.
  const holder = db.sql.reserve();
  const h = await holder;
  await h.unsafe('begin; select * from knobs');
  try {
    // Each pause before trying again is 10 minutes: a run that ends within the test's time ended its pause on the signal.
    const { child, result } = startBin(['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'up',
      '--lock-timeout', '200ms', '--lock-retries', '3', '--lock-backoff', '10min', '--log-file', log]);
    await until(async () => {
      try {
        return readFileSync(log, 'utf8').includes('waiting before the first change');
      } catch {
        return false;
      }
    });
    child.kill('SIGTERM');
    const run = await result;
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: interrupted by SIGTERM: no further unit was started$/m);
    const [t] = await db.sql`select count(*)::int as n from pg_attribute where attrelid = 'knobs'::regclass and attname = 'waited'`;
    expect(t.n).toBe(0);
    expect(await db.sql`select event from migrate.history where event = 'applied'`).toHaveLength(0);
  } finally {
    await h.unsafe('rollback');
    h.release();
  }
});
