import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { ROOT, SHIPPED } from '../harness/project';
import { tempDir } from '../harness/tmp';

const HEADINGS = ['# Verification report: ', '## Target', '## Verified by', '## Units', '## Tasks', '## Checks that did not pass', '## Appendix'];
const UNITS = ['01-organization', '02-auth', '0023_sync_infrastructure', '04-smoke-test-data', '0024_sync_preview_progress_logs'];
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const RUNNER_VERSION = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;

let db: TestDatabase;
/** The test database's URL with a password in it: the report must never show it. */
let url: string;
let password: string;
const cli = (...args: string[]) => runCli(['--database-url', url, ...SHIPPED, ...args]);

async function report(): Promise<{ code: number; md: string; summary: string }> {
  const file = path.join(tempDir('verify-report-'), 'f.md');
  const run = await cli('verify', '--format', 'markdown', '--out', file);
  return { code: run.code, md: readFileSync(file, 'utf8'), summary: run.stdout };
}

/** The text from a heading to the next heading of level 1 or 2. */
function section(md: string, heading: string): string {
  const start = md.indexOf(`\n${heading}`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const next = md.slice(start + 1).search(/\n#{1,2} /);
  return next < 0 ? md.slice(start + 1) : md.slice(start + 1, start + 1 + next);
}

/** Body rows of the Markdown tables in a text, as trimmed cells. */
function rows(text: string): string[][] {
  return text.split('\n').filter((l) => l.startsWith('|') && !/^\|[-:|]+\|$/.test(l))
    .map((l) => l.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()))
    .filter((cells) => !['#', 'Unit', 'Check'].includes(cells[0]));
}

beforeAll(async () => {
  db = await freshDatabase('report');
  const u = new URL(db.url);
  // A trust-auth server accepts any password; an embedded one has its own in the URL.
  if (!u.password) u.password = 'report-test-secret';
  password = decodeURIComponent(u.password);
  url = u.toString();
  const r = await runCli(['--database-url', url, 'baseline']);
  if (r.code !== 0) throw new Error(`baseline failed: ${r.stderr}`);
});
afterAll(async () => db.drop());

describe('the verification report on the baseline', () => {
  test('no unit applied; each named behaviour check is a blocked row under its own task', async () => {
    const { code, md } = await report();
    expect(code).toBe(4);
    expect(md).toMatch(/^# Verification report: NOT APPROVED\n/);
    expect(section(md, '## Units')).toContain('No unit has been applied.');
    const failing = rows(section(md, '## Checks that did not pass'));
    const behaviour = failing.filter((r) => r[3] === '0024_sync_preview_progress_logs' && /^(isolation|trigger|deleting)/.test(r[2]));
    expect(behaviour.length).toBeGreaterThanOrEqual(10);
    expect([...new Set(behaviour.map((r) => r[0].split('.')[0]))].sort()).toEqual(['2', '4', '6']);
    expect(behaviour.every((r) => r[1] === '⛔ blocked')).toBe(true);
  });
});

describe('the verification report after remediate --yes', () => {
  let runId: string;
  beforeAll(async () => {
    const run = await cli('remediate', '--yes', '--json');
    if (run.code !== 0) throw new Error(`remediate failed: ${run.stderr}`);
    runId = run.json().runId;
  });

  test('one page in order: verdict, target, who and when, units with run id and checksums, tasks, failures, appendix', async () => {
    const { code, md, summary } = await report();
    expect(code).toBe(0);
    const at = HEADINGS.map((h) => md.indexOf(h === HEADINGS[0] ? h : `\n${h}`));
    expect(at.every((p) => p >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(md).toMatch(/^# Verification report: APPROVED\n\n\*\*APPROVED\*\*: 8\/8 tasks pass; (\d+) checks: \1 passed\.\n/);

    expect(md).not.toContain(password);
    const target = section(md, '## Target');
    const u = new URL(db.url);
    expect(target).toContain(`host ${u.hostname}, port ${u.port || 5432}, database ${db.name}`);
    expect(target).toMatch(/PostgreSQL \d+/);

    const who = section(md, '## Verified by');
    const verifyRun = /run ([0-9a-f-]{36})/.exec(summary)![1];
    expect(who).toContain(`database user ${decodeURIComponent(u.username) || 'postgres'} from `);
    expect(who).toContain(`runner ${RUNNER_VERSION}`);
    expect(who).toContain(verifyRun);

    // Every unit: applied by the remediation's run, with the file's checksum, still matching.
    const units = section(md, '## Units');
    expect([...new Set(units.match(UUID))]).toEqual([runId]);
    const status = (await cli('status', '--json')).json() as { units: Array<{ name: string; checksum: string }> };
    const unitRows = rows(units);
    expect(unitRows.map((r) => r[0])).toEqual(UNITS);
    for (const r of unitRows) {
      const checksum = status.units.find((s) => s.name === r[0])!.checksum;
      expect(r).toEqual([r[0], 'applied', expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/), expect.any(String), expect.any(String),
        `\`${runId.slice(0, 8)}\``, RUNNER_VERSION, `\`${checksum.slice(0, 12)}\``, '✅ matches']);
      expect(section(md, '## Appendix')).toContain(checksum);
    }

    expect(section(md, '## Checks that did not pass')).toContain('None.');
    const onePage = md.slice(0, md.indexOf('\n## Appendix')).split('\n');
    expect(onePage.length).toBeLessThanOrEqual(60);
  });

  test('each check once: the tasks table counts the appendix rows, and a declared object checked twice is one check', async () => {
    const { md } = await report();
    const tasks = rows(section(md, '## Tasks'));
    expect(tasks.map((r) => r[1])).toEqual(['schema', 'RLS', 'indexes', 'triggers', 'enums', 'integration points', 'production readiness', 'rollback', '**all**']);
    const appendix = rows(section(md, '## Appendix')).filter((r) => /^\d\.\d+$/.test(r[0]));
    const identities = appendix.map((r) => `${r[0].split('.')[0]}|${r[2]}|${r[3]}`);
    expect(new Set(identities).size).toBe(identities.length);
    for (const [i, r] of tasks.slice(0, 8).entries()) {
      const counts = r.slice(3).map(Number);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(appendix.filter((a) => a[0].startsWith(`${i + 1}.`)).length);
    }
    // The JSON lists the same checks.
    const json = (await cli('verify', '--format', 'json')).json() as { tasks: Array<{ checks: unknown[] }>; units: Array<{ unit: string; applied: { runId: string } }> };
    expect(json.tasks.reduce((n, t) => n + t.checks.length, 0)).toBe(appendix.length);
    expect(json.units.map((x) => x.applied.runId)).toEqual(UNITS.map(() => runId));

    // expect.json and verify.sql both check table public.organization and index auth.idx_auth_users_org.
    for (const [name, unit] of [[/^table public\.organization( exists)?$/, '01-organization'], [/^index (auth\.)?idx_auth_users_org$/, '02-auth']] as const) {
      const found = appendix.filter((r) => name.test(r[2]) && r[3] === unit);
      expect(found).toHaveLength(1);
      expect(found[0][4]).toMatch(/expect\.json:\d+ · catalog: .*; phases\/.*\/verify\.sql:\d+/);
    }
  });

  test('a dropped index: NOT APPROVED, and the failing check with what was expected, what was found, and where', async () => {
    await db.sql.unsafe('drop index public.idx_organization_slug');
    try {
      const { code, md } = await report();
      expect(code).toBe(4);
      expect(md).toMatch(/^# Verification report: NOT APPROVED\n\n\*\*NOT APPROVED\*\*: 7\/8 tasks pass; (\d+) checks: \d+ passed, 1 did not pass\.\n/);
      expect(rows(section(md, '## Tasks'))[2]).toEqual(['3', 'indexes', '❌ fail', expect.any(String), '1', '0', '0']);
      const failing = rows(section(md, '## Checks that did not pass'));
      expect(failing).toHaveLength(1);
      const [id, status, name, unit, expected, found, how] = failing[0];
      expect([status, name, unit, expected]).toEqual(['❌ fail', 'index public.idx_organization_slug', '01-organization', 'on public.organization, valid']);
      expect(found).toMatch(/^expect\.json: index public\.idx_organization_slug is missing; verify\.sql: missing; unit SQL vs catalog: index public\.idx_organization_slug is missing; made by 01-organization \(phases\/01-organization\/up\.sql:\d+\)$/);
      // The evidence points at the lines that declare and check the index.
      const [, expectLine, verifyLine] = /expect\.json:(\d+) · catalog: pg_index .*verify\.sql:(\d+)/.exec(how)!;
      const line = (file: string, n: string) => readFileSync(path.join(ROOT, 'phases/01-organization', file), 'utf8').split('\n')[Number(n) - 1];
      expect(line('expect.json', expectLine)).toContain('"public.idx_organization_slug"');
      expect(line('verify.sql', verifyLine)).toContain("'index '");
      // And at the statement of the unit that made it, with the catalog read that found it missing.
      const [, upLine] = /up\.sql:(\d+) · catalog: select pg_get_indexdef/.exec(how)!;
      expect(line('up.sql', upLine)).toContain('CREATE INDEX IF NOT EXISTS idx_organization_slug');
      // The same check, once, in the appendix, under the id the failure row gives.
      expect(rows(section(md, '## Appendix')).filter((r) => r[0] === id).map((r) => r[2])).toEqual([name]);
    } finally {
      await db.sql.unsafe('create index idx_organization_slug on public.organization using btree (slug)');
    }
  });
});
