import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { runCli } from '../harness/cli';
import { adminUrl, freshDatabase, type TestDatabase } from '../harness/database';
import { fingerprintOf, pgDumpMajor, psqlFiles, schemaDump } from '../harness/schema';

/**
 * The field corpus: small migration folders, in this tool's layout, each reproducing a pattern
 * seen in public histories (tests/corpus/<case>/case.json says which). For each: `plan` exits 0
 * where psql applies the files (3, at the right file:line, where it cannot, and psql fails
 * too); `up` applies them; the schema equals what psql builds from the same up files; every
 * unit rolls back, newest first, to the empty schema; and `up` applies them all again.
 */
interface Expect {
  about: string;
  /** Exit code of plan (default 0). */
  plan?: number;
  /** Gaps when blocked: "file:line kind name". */
  gaps?: string[];
  /** Syntax errors when blocked: "file:line:column". */
  syntax?: string[];
  /** Findings that must be there, and must not be: "rule@file:line" (absent: "rule@file"). */
  findings?: string[];
  absent?: string[];
  /** Units whose up or down step runs outside a transaction; every other one runs inside. */
  outside?: { up?: string[]; down?: string[] };
  /** Prechecks plan must show, passed. */
  prechecks?: string[];
  /** Runs refused before anything changes (exit 3), with what the error must name. */
  refused?: Array<{ args: string[]; match: string[] }>;
  /** When blocked: the file where psql stops too. */
  psqlFails?: string;
  /** When blocked: `up` refuses before anything runs, saying this. */
  upRefused?: string;
  /** Overrides by server major (a construct valid on 17 and not on 15). */
  byMajor?: Record<string, Omit<Expect, 'about' | 'byMajor'>>;
}

const CASES = readdirSync(__dirname, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

let major: number;
let dumpCompare: boolean;
beforeAll(async () => {
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => undefined });
  try {
    const [{ v }] = await admin`select current_setting('server_version_num')::int as v`;
    major = Math.floor(v / 10000);
  } finally {
    await admin.end();
  }
  // pg_dump refuses a server newer than itself (the machine's 15 against embedded 17): then the
  // schemas are compared by the catalog fingerprint the rollback proof uses, and only by that.
  dumpCompare = ((await pgDumpMajor()) ?? 0) >= major;
});

test('the corpus has its cases', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(12);
});

describe.each(CASES)('corpus case %s', (name) => {
  const dir = path.join(__dirname, name);
  const base: Expect = JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8'));
  const upFiles = readdirSync(dir).filter((f) => /^\d+_.*(?<!\.down)\.sql$/.test(f)).sort();
  const unitNames = upFiles.map((f) => f.replace(/\.sql$/, ''));
  let migrated: TestDatabase;
  let byPsql: TestDatabase;
  beforeAll(async () => {
    migrated = await freshDatabase(`corpus_${name}`);
    byPsql = await freshDatabase(`psql_${name}`);
  });
  afterAll(async () => {
    await migrated?.drop();
    await byPsql?.drop();
  });
  const cli = (...args: string[]) => runCli(['--database-url', migrated.url, '--migrations-dir', dir, ...args]);
  const applied = async () => (await migrated.sql`select to_regclass('migrate.history') is not null as t`)[0].t
    ? Number((await migrated.sql`select count(*) as n from migrate.history where event = 'applied'`)[0].n)
    : 0;

  test('plan tells the truth, up applies what psql applies, the schemas match, every unit rolls back and re-applies', async () => {
    const spec: Expect = { ...base, ...(base.byMajor?.[String(major)] ?? {}) };
    const plan = await cli('plan', '--json');
    const body = plan.json();
    const where = (file: string) => path.basename(file);
    if ((spec.plan ?? 0) !== 0) {
      expect({ code: plan.code, gaps: body.gaps.map((g: { file: string; line: number; kind: string; name: string }) => `${where(g.file)}:${g.line} ${g.kind} ${g.name}`), syntax: body.syntaxErrors.map((e: { file: string; line: number; column: number }) => `${where(e.file)}:${e.line}:${e.column}`) })
        .toEqual({ code: spec.plan, gaps: spec.gaps ?? [], syntax: spec.syntax ?? [] });
      const psql = await psqlFiles(byPsql.url, upFiles.map((f) => path.join(dir, f)));
      expect(psql.ok ? 'psql applied every file' : where(psql.file)).toBe(spec.psqlFails);
      if (spec.upRefused) {
        const up = await cli('up');
        expect(up.code).toBe(3);
        expect(up.stderr).toMatch(new RegExp(spec.upRefused));
        expect(await applied()).toBe(0);
      }
      return;
    }
    expect({ code: plan.code, gaps: body.gaps, syntax: body.syntaxErrors, errors: body.findings.filter((f: { severity: string }) => f.severity === 'error') })
      .toEqual({ code: 0, gaps: [], syntax: [], errors: [] });
    const findings = body.findings.map((f: { rule: string; file: string; line: number }) => `${f.rule}@${where(f.file)}:${f.line}`);
    expect(findings).toEqual(expect.arrayContaining(spec.findings ?? []));
    for (const a of spec.absent ?? []) expect(findings.filter((f: string) => f.startsWith(`${a}:`))).toEqual([]);
    const steps = body.units.map((u: { name: string; transactional: boolean; down?: { transactional: boolean } }) => ({ name: u.name, up: u.transactional, down: u.down?.transactional }));
    expect(steps).toEqual(unitNames.map((n) => ({ name: n, up: !(spec.outside?.up ?? []).includes(n), down: !(spec.outside?.down ?? []).includes(n) })));
    const prechecks = body.units.flatMap((u: { prechecks: Array<{ check: string; ok: boolean }> }) => u.prechecks);
    for (const c of spec.prechecks ?? []) expect(prechecks).toEqual(expect.arrayContaining([expect.objectContaining({ check: c, ok: true })]));

    for (const r of spec.refused ?? []) {
      const run = await cli(...r.args);
      expect({ args: r.args, code: run.code }).toEqual({ args: r.args, code: 3 });
      for (const m of r.match) expect(run.stderr).toMatch(new RegExp(m));
      expect(await applied()).toBe(0);
    }

    const empty = await fingerprintOf(migrated.url);
    const up = await cli('up', '--json');
    expect({ code: up.code, error: up.json().error }).toEqual({ code: 0, error: undefined });
    expect(up.json().units.map((u: { name: string; action: string }) => `${u.name} ${u.action}`)).toEqual(unitNames.map((n) => `${n} applied`));

    const psql = await psqlFiles(byPsql.url, upFiles.map((f) => path.join(dir, f)));
    expect(psql).toEqual({ ok: true });
    const sameSchema = async () => {
      expect(await fingerprintOf(migrated.url)).toEqual(await fingerprintOf(byPsql.url));
      if (dumpCompare) expect(await schemaDump(migrated.url)).toBe(await schemaDump(byPsql.url));
    };
    await sameSchema();

    for (const unit of [...unitNames].reverse()) {
      const rb = await cli('rollback', unit, '--yes', '--allow-data-loss', '--json');
      const out = rb.json();
      expect({ unit, code: rb.code, error: out.error, actions: out.units.map((u: { action: string }) => u.action) }).toEqual({ unit, code: 0, error: undefined, actions: ['rolled-back'] });
    }
    expect(await fingerprintOf(migrated.url)).toEqual(empty);

    const again = await cli('up', '--json');
    expect({ code: again.code, error: again.json().error }).toEqual({ code: 0, error: undefined });
    await sameSchema();
  });
});
