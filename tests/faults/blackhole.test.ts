import postgres from 'postgres';
import { runCli } from '../harness/cli';
import { bump, faultCase, report, secondsSince, until, type FaultCase } from './support';

/**
 * A silent partition (no RST) in the middle of a unit that holds an ACCESS EXCLUSIVE lock on
 * an application table: the black hole swallows the unit's COMMIT. The runner must end within
 * its documented bound, the server must end the runner's session (releasing `users`) within
 * its own, and catalog, history and report must agree. T is --connection-timeout.
 */
const T = 2;
const UNITS = {
  '0001_users_note.sql': `${bump(1)}alter table users add column note text;\n`,
  '0001_users_note.down.sql': 'alter table users drop column note;\n',
};

let c: FaultCase;
beforeEach(async () => {
  c = await faultCase('blackhole', UNITS, 'create table users (id serial primary key, email text);');
});
afterEach(async () => c.end());

const up = (url = c.url) => runCli(['--database-url', url, ...c.dirs, 'up', '--json', '--connection-timeout', `${T}s`]);

/** The runner's work session, as the server sees it (a direct connection, not through the proxy). */
const workSessions = async () =>
  (await c.db.sql`select pid from pg_stat_activity where datname = current_database() and application_name = 'migrate'`).length;

/** An application write on users, timed, from a direct connection: it waits as long as the unit's lock stays. */
async function applicationWrite(): Promise<number> {
  const app = postgres(c.db.url, { max: 1, onnotice: () => undefined });
  try {
    const started = performance.now();
    await app`insert into users (email) values ('app@example.com')`;
    return secondsSince(started);
  } finally {
    await app.end();
  }
}

async function nothingHalfApplied() {
  expect(await c.counters()).toEqual([0]);
  expect(await c.appliedRows()).toEqual({});
  const [{ col }] = await c.db.sql`select count(*)::int as col from information_schema.columns where table_name = 'users' and column_name = 'note'`;
  expect(col).toBe(0);
}

async function nextRunCompletes() {
  c.proxy.heal();
  const again = await up();
  expect(again.code).toBe(0);
  expect(await c.counters()).toEqual([1]);
  expect(await c.appliedRows()).toEqual({ '0001_users_note': 1 });
}

test('black hole before COMMIT, healed once the server has ended the session: unit reported failed, from the history', async () => {
  const fired = c.proxy.on(/^commit/i, 'before', 'blackhole');
  const run = up();
  await fired;
  const started = performance.now();
  const write = applicationWrite();
  await until(async () => (await workSessions()) === 0);
  const serverEnded = secondsSince(started);
  const appWaited = await write;
  c.proxy.heal();
  const result = await run;
  const runnerEnded = secondsSince(started);
  report('black hole before COMMIT, healed', { T, serverEndedSessionS: serverEnded, applicationWriteWaitedS: appWaited, runnerEndedS: runnerEnded });

  expect(result.code).toBe(1);
  const [unit] = result.json().units;
  expect(unit).toMatchObject({ name: '0001_users_note', action: 'failed' });
  expect(unit.error).toMatch(/did not commit/);
  // The server's bound: idle_in_transaction_session_timeout = T (plus the moment the check takes).
  expect(serverEnded).toBeLessThanOrEqual(T + 2);
  expect(appWaited).toBeLessThanOrEqual(T + 2);
  await nothingHalfApplied();
  await nextRunCompletes();
});

test('black hole that never heals: the runner ends within its bound and says the outcome is unknown', async () => {
  const fired = c.proxy.on(/^commit/i, 'before', 'blackhole');
  const run = up();
  await fired;
  const started = performance.now();
  const result = await run;
  const runnerEnded = secondsSince(started);
  const serverGone = await workSessions();
  report('black hole before COMMIT, never healed', { T, runnerEndedS: runnerEnded, workSessionsLeftOnServer: serverGone });

  expect(result.code).toBe(1);
  const [unit] = result.json().units;
  expect(unit).toMatchObject({ name: '0001_users_note', action: 'unknown' });
  expect(result.json().error.message).toMatch(/not known/);
  expect(result.json().error.hint).toMatch(/migrate status/);
  // Documented bound (docs/RELIABILITY.md): the loss is known within 2T and two looks, then 2T of trying to reach the server again.
  expect(runnerEnded).toBeLessThanOrEqual(4 * T + 2);
  expect(serverGone).toBe(0);
  await nothingHalfApplied();
  await nextRunCompletes();
});

test('a read-only command on a black-holed connection ends within its bound with one clear line', async () => {
  expect((await up(c.db.url)).code).toBe(0);
  const fired = c.proxy.on(/migrate\.history/, 'before', 'blackhole');
  const started = performance.now();
  const status = await runCli(['--database-url', c.url, ...c.dirs, 'status', '--connection-timeout', `${T}s`]);
  await fired;
  const ended = secondsSince(started);
  report('black hole during `migrate status`', { T, commandEndedS: ended });
  expect(status.code).toBe(2);
  expect(status.stderr).toMatch(/^error: the connection to the server was lost .*no answer for 2 s/m);
  // The round trip is looked into after T; the probe connection gives up connecting after T.
  expect(ended).toBeLessThanOrEqual(2 * T + 2);
});

test('only the work connection goes silent: seen from the lock connection, the session is ended at once and the unit reported failed', async () => {
  const fired = c.proxy.on(/^commit/i, 'before', 'stall');
  const run = up();
  await fired;
  const started = performance.now();
  const result = await run;
  const runnerEnded = secondsSince(started);
  report('the work connection alone stalls before COMMIT', { T, runnerEndedS: runnerEnded, error: result.json().error.message });

  expect(result.code).toBe(1);
  expect(result.json().units[0]).toMatchObject({ name: '0001_users_note', action: 'failed' });
  expect(result.json().units[0].error).toMatch(/did not commit/);
  // Looked into after T, from the lock connection, twice a tick apart (or the server's own idle timeout, also T, came first).
  expect(runnerEnded).toBeLessThanOrEqual(T + 2);
  expect(await workSessions()).toBe(0);
  await nothingHalfApplied();
  await nextRunCompletes();
});

test('a lost answer while the server is idle: seen from a probe connection, the session is ended and the command stops', async () => {
  expect((await up(c.db.url)).code).toBe(0);
  const fired = c.proxy.on(/migrate\.history/, 'after', 'stall');
  const started = performance.now();
  const status = await runCli(['--database-url', c.url, ...c.dirs, 'status', '--connection-timeout', `${T}s`]);
  await fired;
  const ended = secondsSince(started);
  report('the answer to `migrate status` lost, the server idle', { T, commandEndedS: ended });
  expect(status.code).toBe(2);
  expect(status.stderr).toMatch(/^error: the connection to the server was lost .*while the server was idle.*the server session was ended/m);
  // Looked into after T from a probe connection, twice a tick (T/4) apart.
  expect(ended).toBeLessThanOrEqual(T + 2);
  expect(await workSessions()).toBe(0);
});

test('a black hole right after the server accepted the connection: exit 2 within T, nothing run', async () => {
  const fired = c.proxy.on(/pg_backend_pid/, 'before', 'blackhole');
  const started = performance.now();
  const run = await runCli(['--database-url', c.url, ...c.dirs, 'up', '--connection-timeout', `${T}s`]);
  await fired;
  const ended = secondsSince(started);
  report('black hole just after connecting', { T, commandEndedS: ended });
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/^error: timed out connecting to 127\.0\.0\.1:\d+/m);
  expect(ended).toBeLessThanOrEqual(T + 2);
  c.proxy.heal();
  await nothingHalfApplied();
});
