import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { copyOfShipped, ROOT, SHIPPED } from '../harness/project';
import { loadMigrations, loadPhases } from '../../src/engine/units';
import { planHash, type RehearsalRecord } from '../../src/engine/rehearsal-record';
import { tempDir } from '../harness/tmp';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase('record');
  expect((await runCli(['--database-url', db.url, 'baseline'])).code).toBe(0);
});
afterAll(async () => db.drop());

function recordFile(overrides: Partial<RehearsalRecord> = {}, durationMs = 50): string {
  const units = loadPhases(path.join(ROOT, 'phases'), loadMigrations(path.join(ROOT, 'database/migrations')));
  const rec: RehearsalRecord = {
    format: 'migrate-rehearsal/1', createdAt: new Date().toISOString(), planHash: planHash(units), serverVersion: '17.10', runnerVersion: 'test',
    units: units.map((u) => ({ name: u.name, checksum: u.checksum, durationMs, action: 'applied' })),
    ...overrides,
  };
  const file = path.join(tempDir('rec-'), 'record.json');
  writeFileSync(file, JSON.stringify(rec));
  return file;
}

const applied = async () => (await db.sql`select count(*)::int as n from migrate.history where event = 'applied'`.catch(() => [{ n: 0 }]))[0].n;

describe('remediate --rehearsal and --window-end', () => {
  test('a plan that differs from the rehearsed one is refused with exit 3, naming the unit', async () => {
    const content = copyOfShipped();
    content.edit('migrations/0024_sync_preview_progress_logs.sql', (t) => t + '\n-- edited after the rehearsal\n');
    const run = await runCli(['--database-url', db.url, ...content.flags, 'remediate', '--yes', '--rehearsal', recordFile()]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/0024_sync_preview_progress_logs changed since the rehearsal/);
    expect(await applied()).toBe(0);
  });

  test('a record older than --rehearsal-max-age is refused', async () => {
    const old = recordFile({ createdAt: new Date(Date.now() - 8 * 86400000).toISOString() });
    const run = await runCli(['--database-url', db.url, ...SHIPPED, 'remediate', '--yes', '--rehearsal', old]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/older than 168 h/);
    const ok = await runCli(['--database-url', db.url, ...SHIPPED, 'remediate', '--yes', '--rehearsal', old, '--rehearsal-max-age', '9d', '--dry-run']);
    expect(ok.code).toBe(0);
  });

  test('a unit whose rehearsed duration does not fit before --window-end is not started', async () => {
    const slow = recordFile({}, 10 * 60 * 1000);
    const end = new Date(Date.now() + 60 * 1000).toISOString();
    const run = await runCli(['--database-url', db.url, ...SHIPPED, 'remediate', '--yes', '--rehearsal', slow, '--window-end', end]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/window: not starting 01-organization \(rehearsed at 600\.0 s\): only \d+\.\d s left/);
    expect(await applied()).toBe(0);
    const json = await runCli(['--database-url', db.url, ...SHIPPED, 'remediate', '--yes', '--rehearsal', slow, '--window-end', end, '--json']);
    expect(json.code).toBe(3);
    expect(json.json().units.map((u: { action: string }) => u.action)).toEqual(['not-run', 'not-run', 'not-run', 'not-run', 'not-run']);
    expect(json.json().units[0].reason).toMatch(/^window: not starting 01-organization/);
    expect(json.json().units[1].reason).toBe('not run: the run stopped at 01-organization');
  });

  test('the rehearsed plan within its window applies', async () => {
    const end = new Date(Date.now() + 10 * 60 * 1000).toISOString();
    const run = await runCli(['--database-url', db.url, ...SHIPPED, 'remediate', '--yes', '--rehearsal', recordFile(), '--window-end', end, '--json']);
    expect(run.code).toBe(0);
    expect(run.json().units.every((u: { action: string }) => u.action === 'applied')).toBe(true);
  });

  test('a file that is not a record is a usage error', async () => {
    const dir = tempDir('rec-');
    writeFileSync(path.join(dir, 'x.json'), '{"hello": 1}');
    const run = await runCli(['--database-url', db.url, ...SHIPPED, 'remediate', '--yes', '--rehearsal', path.join(dir, 'x.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/is not a rehearsal record/);
  });
});
