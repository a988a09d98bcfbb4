import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { SHIPPED } from '../harness/project';
import { Session } from '../../src/db/session';
import { fingerprint, diffFingerprints } from '../../src/db/fingerprint';
import { createLogger } from '../../src/log';
import { boundsFor } from '../../src/db/bounds';
import { Connection } from '../../src/db/connection';
import { resolveSettings } from '../../src/db/settings';

let db: TestDatabase;
const cli = (...args: string[]) => runCli(['--database-url', db.url, ...SHIPPED, ...args]);

async function schemaFingerprint() {
  const bounds = boundsFor();
  const c = await Connection.open(resolveSettings(db.url), { label: 'test', bounds });
  try {
    const s = await Session.open(c, createLogger({ level: 'silent' }), { lockTimeout: '5s', statementTimeout: '0' }, bounds);
    return await fingerprint(s);
  } finally {
    await c.close();
  }
}

beforeAll(async () => {
  db = await freshDatabase('rollback');
  expect((await runCli(['--database-url', db.url, 'baseline'])).code).toBe(0);
});
afterAll(async () => db.drop());

describe('migrate rollback 0024', () => {
  let before0024: Record<string, string>;

  test('the schema is fingerprinted before 0024 and 0024 is applied', async () => {
    expect((await cli('remediate', '--yes', '--to', '04')).code).toBe(0);
    before0024 = await schemaFingerprint();
    expect((await cli('remediate', '--yes')).code).toBe(0);
    expect(Object.keys(diffFingerprints(before0024, await schemaFingerprint()).added).length).toBeGreaterThan(50);
  });

  test('refuses with exit 3 while the sync tables hold rows, naming table and count', async () => {
    await db.sql`insert into public.sync_progress (org_id, sync_id, entity_type, total_items)
                 select id, 'job-' || g, 'customer', 10 from public.organization, generate_series(1, 2) g where slug = 'test-org'`;
    const run = await cli('rollback', '0024', '--yes');
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/public\.sync_progress holds 2 rows/);
    expect(run.stderr).toMatch(/--allow-data-loss/);
    const [{ present }] = await db.sql`select to_regclass('public.sync_progress') is not null as present`;
    expect(present).toBe(true);
  });

  test('with --allow-data-loss the objects are gone, the schema equals the pre-0024 fingerprint, and re-apply is proven', async () => {
    const run = await cli('rollback', '0024', '--allow-data-loss', '--json', '--yes');
    expect(run.code).toBe(0);
    const body = run.json();
    expect(body.units).toEqual([expect.objectContaining({ name: '0024_sync_preview_progress_logs', action: 'rolled-back', schemaEqualsBefore: true })]);
    expect(body.dataLoss).toEqual([expect.objectContaining({ table: 'public.sync_progress', rows: 2 })]);
    expect(body.reapply.ok).toBe(true);
    const diff = diffFingerprints(before0024, await schemaFingerprint());
    expect(diff).toEqual({ added: [], removed: [], changed: [] });
    const [{ n }] = await db.sql`select count(*)::int as n from pg_type where typname like 'sync\\_%type' or typname = 'sync_action'`;
    expect(n).toBe(0);
  });

  test('0024 applies again cleanly afterwards', async () => {
    const run = await cli('remediate', '--yes', '--json');
    expect(run.code).toBe(0);
    expect(run.json().units.at(-1)).toMatchObject({ name: '0024_sync_preview_progress_logs', action: 'applied' });
  });

  test('rolling back a phase others depend on refuses without --cascade', async () => {
    const run = await cli('rollback', '01-organization', '--yes');
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/applied units depend on it: 0024_sync_preview_progress_logs, 04-smoke-test-data, 0023_sync_infrastructure, 02-auth/);
  });

  test('--cascade --dry-run rolls back the dependants newest first, then undoes it all', async () => {
    const fp = await schemaFingerprint();
    const run = await cli('rollback', '1', '--cascade', '--allow-data-loss', '--dry-run', '--json');
    expect(run.code).toBe(0);
    expect(run.json().dryRun).toBe(true);
    expect(run.json().units.map((u: { name: string }) => u.name)).toEqual(['0024_sync_preview_progress_logs', '04-smoke-test-data', '0023_sync_infrastructure', '02-auth', '01-organization']);
    expect(diffFingerprints(fp, await schemaFingerprint())).toEqual({ added: [], removed: [], changed: [] });
    const st = await cli('status', '--json');
    expect(st.json().units.every((u: { state: string }) => u.state === 'applied')).toBe(true);
  });

  test('rollback of a unit that is not applied says so and changes nothing', async () => {
    expect((await cli('rollback', '0024', '--allow-data-loss', '--yes')).code).toBe(0);
    const again = await cli('rollback', '0024', '--json', '--yes');
    expect(again.code).toBe(0);
    expect(again.json().units).toEqual([expect.objectContaining({ action: 'skipped', reason: 'not applied' })]);
  });
});
