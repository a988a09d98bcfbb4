import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../harness/project';
import { adminUrl, freshDatabase } from '../harness/database';
import { startPasswordGate } from '../harness/password-gate';
import { runCli } from '../harness/cli';
import { runOnTerminal } from '../harness/bin';
import { openTempDir, tempDir } from '../harness/tmp';

const run = promisify(execFile);
const BIN = path.join(ROOT, 'bin', 'migrate.js');
/** What the password gate in front of the --schema-from source accepts; never on a command line or in output. */
const DUMP_PASSWORD = 'dump:pa\\ss w0rd';

// The rehearsals here make their servers' folders in a TMPDIR of their own, so that other
// programs' embedded servers in /tmp are not counted as theirs.
const TMP = openTempDir('rehearse-tmp-');
const env = { ...process.env, TMPDIR: TMP };

function rehearsalDirs(): string[] {
  return readdirSync(TMP).filter((d) => d.startsWith('migrate-pg-'));
}

function postgresProcessesUnder(dirs: string[]): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => / -D /.test(l) && dirs.some((d) => l.includes(d)));
}

describe('migrate rehearse (the built CLI, as `npm start` runs it)', () => {
  const work = tempDir('rehearse-test-');
  const report = path.join(work, 'report.md');
  const record = path.join(work, 'record.json');

  test('runs the whole story, exits 0, writes the report and the record, and leaves no server or folder behind', async () => {
    const before = new Set(rehearsalDirs());
    const { stdout } = await run('node', [BIN, 'rehearse', '--report', report, '--record', record], { cwd: ROOT, env, timeout: 120000 });
    for (const step of ['start server', 'load baseline', 'plan ', 'plan --remediate', 'remediate', 'verify', 'rollback 0024_sync_preview_progress_logs', 'schema equals the pre-apply fingerprint', 're-apply', 'remediate again (idempotency)', 'verify again']) {
      expect(stdout).toContain(`✓ ${step}`);
    }
    expect(stdout).toMatch(/✓ plan +\d+ ms {2}BLOCKED: missing .*relation public\.organization.*schema auth.*relation auth\.users_extended.*function auth\.uid/);
    expect(stdout).toMatch(/remediate again \(idempotency\) .* all 5 units skipped/);
    expect(stdout).toMatch(/REHEARSAL PASSED/);
    expect(stdout).not.toContain('✗');
    expect(readFileSync(report, 'utf8')).toMatch(/# Verification report: APPROVED/);
    const rec = JSON.parse(readFileSync(record, 'utf8'));
    expect(rec).toMatchObject({ format: 'migrate-rehearsal/1', planHash: expect.stringMatching(/^[0-9a-f]{64}$/), serverVersion: expect.stringMatching(/^17\./) });
    expect(rec.units.map((u: { name: string }) => u.name)).toEqual(['01-organization', '02-auth', '0023_sync_infrastructure', '04-smoke-test-data', '0024_sync_preview_progress_logs']);
    expect(rec.units.every((u: { durationMs: number; lockWaitMs: number }) => u.durationMs > 0 && typeof u.lockWaitMs === 'number')).toBe(true);
    expect(rec.units.find((u: { name: string }) => u.name === '0023_sync_infrastructure').locks).toEqual(
      expect.arrayContaining([expect.objectContaining({ table: 'public.users', lock: 'SHARE ROW EXCLUSIVE' })]));
    const dataDir = /data in (\/\S+)/.exec(stdout)![1];
    expect(existsSync(dataDir)).toBe(false);
    expect(postgresProcessesUnder([dataDir])).toEqual([]);
    expect(rehearsalDirs().filter((d) => !before.has(d))).toEqual([]);
  });

  test('on a terminal each step is printed once (no progress log beside the steps)', async () => {
    const term = await runOnTerminal(`migrate rehearse --report '${path.join(work, 'term.md')}'`, { env: { TMPDIR: TMP } });
    expect(term.code).toBe(0);
    expect(term.stdout.match(/load baseline/g)).toHaveLength(1);
    expect(term.stdout.match(/✓ remediate +\d+ ms/g)).toHaveLength(1);
    expect(term.stdout).toMatch(/REHEARSAL PASSED/);
  });

  test('a failing story exits 1 naming the step, and still removes the server', async () => {
    const before = new Set(rehearsalDirs());
    const baseline = tempDir('bad-baseline-');
    writeFileSync(path.join(baseline, '00.sql'), 'create table broken (;\n');
    const r = await run('node', [BIN, 'rehearse', '--baseline-dir', baseline, '--report', report], { cwd: ROOT, env, timeout: 120000 }).then(
      () => ({ code: 0, stdout: '' }), (e) => ({ code: e.code as number, stdout: String(e.stdout) }));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ load baseline .*00\.sql:1:\d+: syntax error/);
    expect(r.stdout).toMatch(/REHEARSAL FAILED at: load baseline/);
    expect(rehearsalDirs().filter((d) => !before.has(d))).toEqual([]);
  });

  test('Ctrl-C during --keep stops the server and removes its folder', async () => {
    const before = new Set(rehearsalDirs());
    const child = execFile('node', [BIN, 'rehearse', '--keep', '--report', report], { cwd: ROOT, env });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no "kept running" line: ${out}`)), 90000);
      child.stdout!.on('data', () => {
        if (out.includes('server kept running')) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    expect(out).toMatch(/server kept running: postgres:\/\/postgres@127\.0\.0\.1:\d+\/rehearsal \(password in /);
    const kept = rehearsalDirs().filter((d) => !before.has(d));
    expect(kept).toHaveLength(1);
    expect(postgresProcessesUnder(kept)).toHaveLength(1);
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(existsSync(path.join(TMP, kept[0]))).toBe(false);
    expect(postgresProcessesUnder(kept)).toEqual([]);
  });

  test('--schema-from rehearses on a copy of a real database\'s schema, or says clearly why it cannot', async () => {
    const source = await freshDatabase('schema_from');
    try {
      expect((await runCli(['--database-url', source.url, 'baseline'])).code).toBe(0);
      const [{ v }] = await source.sql`select current_setting('server_version_num')::int / 10000 as v`;
      let dumpMajor = 0;
      try {
        dumpMajor = Number(/(\d+)\./.exec(execFileSync('pg_dump', ['--version'], { encoding: 'utf8' }))![1]);
      } catch {
        dumpMajor = 0;
      }
      // Through a gate that demands a password (the test server may trust everyone), and with
      // a pg_dump on PATH that records its command line, as `ps` would show it, then runs the real one.
      const gate = await startPasswordGate(adminUrl(), { [decodeURIComponent(new URL(adminUrl()).username)]: DUMP_PASSWORD });
      const shim = tempDir('pg-dump-shim-');
      const realDump = dumpMajor ? execFileSync('sh', ['-c', 'command -v pg_dump'], { encoding: 'utf8' }).trim() : undefined;
      if (realDump) {
        writeFileSync(path.join(shim, 'pg_dump'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${shim}/argv'\nexec '${realDump}' "$@"\n`, { mode: 0o755 });
      }
      const r = await run('node', [BIN, 'rehearse', '--schema-from', gate.url(source.name, DUMP_PASSWORD), '--report', report], { cwd: ROOT, env: { ...env, PATH: `${shim}:${process.env.PATH}` }, timeout: 120000 })
        .then((ok) => ({ code: 0, stdout: ok.stdout }), (e) => ({ code: e.code as number, stdout: String(e.stdout) }))
        .finally(() => gate.close());
      expect(r.stdout).not.toContain(DUMP_PASSWORD);
      expect(gate.attempts().filter((a) => !a.ok)).toEqual([]);
      if (realDump) {
        const argv = readFileSync(path.join(shim, 'argv'), 'utf8');
        const dbname = /--schema-only .*--dbname (postgres:\/\/\S+@127\.0\.0\.1:\d+\/\S*)/.exec(argv)?.[1];
        expect(dbname).toBeDefined();
        expect(new URL(dbname!).password).toBe('');
        expect(argv).not.toContain(DUMP_PASSWORD);
      }
      if (dumpMajor >= v) {
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/✓ copy schema .*schema of postgres:\/\/postgres@/);
        expect(r.stdout).toMatch(/REHEARSAL PASSED/);
      } else {
        // e.g. the machine's pg_dump 15 cannot dump a PostgreSQL 17 server: one clear line, no crash.
        expect(r.code).toBe(1);
        expect(r.stdout).toMatch(dumpMajor === 0 ? /needs pg_dump, which is not installed/ : /✗ copy schema .*pg_dump of postgres:\/\/.* failed: .*\(pg_dump must be at least the source server version\)/);
      }
      expect(r.stdout).not.toMatch(/password authentication failed/);
    } finally {
      await source.drop();
    }
  });
});
