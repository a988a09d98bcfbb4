import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli, type CliRun } from '../harness/cli';
import { migrationsProject } from '../harness/fixtures';
import { ROOT } from '../harness/project';
import { loadMigrations, loadPhases } from '../../src/engine/units';

/**
 * Bad input is refused with one line (and a hint), the right exit code, JSON under --json,
 * and nothing changed: each case runs against its own fresh database and checks after the
 * refusal that no table and no history exist.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase('bad_input');
});
afterAll(async () => {
  await db.drop();
});

const flags = (p: { migrationsDir: string; phasesDir: string }, url = db.url) => ['--database-url', url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir];

/** The one line a user sees: `error: …` (naming what is wrong), then `hint: …`, and no stack trace. */
function expectOneLine(run: CliRun, code: number, message: RegExp): void {
  expect(run.code).toBe(code);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(message);
  expect(lines.filter((l) => l.startsWith('hint: '))).toHaveLength(1);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stderr).not.toMatch(/unexpected/);
}

/** Under --json: the shape of CLI.md, with the error and its exit code, and nothing on stderr. */
function expectJsonError(run: CliRun, code: number, message: RegExp): void {
  expect(run.code).toBe(code);
  const out = run.json();
  expect(out.ok).toBe(false);
  expect(out.error).toEqual(expect.objectContaining({ message: expect.stringMatching(message), exitCode: code, hint: expect.any(String) }));
  expect(run.stderr).toBe('');
}

async function expectNothingChanged(tables: string[]): Promise<void> {
  const [row] = await db.sql<{ history: string | null; found: string[] | null }[]>`
    select to_regclass('migrate.history')::text as history,
           (select array_agg(t) from unnest(${tables}::text[]) t where to_regclass(t) is not null) as found`;
  expect(row).toEqual({ history: null, found: null });
}

describe('a file that is not valid UTF-8', () => {
  // "café" in LATIN1: 0xe9 stands alone where UTF-8 would need a continuation byte.
  const latin1 = Buffer.concat([Buffer.from("create table bi_latin (id int);\ncomment on table bi_latin is 'caf"), Buffer.from([0xe9]), Buffer.from("';\n")]);

  test('is refused with exit 2 naming the file, the byte offset and the line; nothing runs', async () => {
    const p = migrationsProject({});
    writeFileSync(path.join(p.migrationsDir, '0001_latin.sql'), latin1);
    for (const command of ['up', 'status', 'plan']) {
      const run = await runCli([...flags(p), command]);
      expectOneLine(run, 2, /0001_latin\.sql is not valid UTF-8: byte 0xe9 at offset 65 \(line 2\)/);
      expect(run.stderr).toMatch(/hint: convert the file to UTF-8, e\.g\. iconv -f LATIN1 -t UTF-8 0001_latin\.sql/);
    }
    expectJsonError(await runCli([...flags(p), 'up', '--json']), 2, /not valid UTF-8/);
    await expectNothingChanged(['bi_latin']);
  });

  test('a companion file (down, precheck, …) is held to the same rule', async () => {
    const p = migrationsProject({ '0001_ok.sql': 'create table bi_ok (id int);\n' });
    writeFileSync(path.join(p.migrationsDir, '0001_ok.down.sql'), Buffer.from([0x64, 0x72, 0x6f, 0x70, 0x20, 0xff, 0x3b, 0x0a]));
    expectOneLine(await runCli([...flags(p), 'up']), 2, /0001_ok\.down\.sql is not valid UTF-8: byte 0xff at offset 5 \(line 1\)/);
    await expectNothingChanged(['bi_ok']);
  });

  test('checksums are over the bytes, and equal the ones recorded before for valid UTF-8 files', () => {
    // Before, the checksum was sha256 of the decoded text: for valid UTF-8 the two agree, so no history row shows drift.
    const migrations = loadMigrations(path.join(ROOT, 'database/migrations'));
    const units = [...migrations, ...loadPhases(path.join(ROOT, 'phases'), migrations)];
    expect(units.length).toBeGreaterThan(4);
    for (const u of units) {
      const bytes = readFileSync(u.up.path);
      expect(u.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(u.checksum).toBe(createHash('sha256').update(bytes.toString('utf8')).digest('hex'));
    }
    const p = migrationsProject({ '0001_bom.sql': '\ufeffselect 1;\n', '0002_accents.sql': "select 'é€😀';\n" });
    for (const u of loadMigrations(p.migrationsDir)) {
      expect(u.checksum).toBe(createHash('sha256').update(readFileSync(u.up.path)).digest('hex'));
    }
  });
});
