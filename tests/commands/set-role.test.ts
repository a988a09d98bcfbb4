import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ownedDatabase, type OwnedDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { migrationsProject } from '../harness/fixtures';
import { SHIPPED } from '../harness/project';

/**
 * Connected as a non-superuser who owns the database, verify's checks that SET ROLE to a role
 * the user is not a member of will fail: plan and remediate say so before any change, with
 * the GRANT that allows it.
 */
let o: OwnedDatabase;
const reader = `t_reader_${randomBytes(4).toString('hex')}`;
const absent = `t_absent_${randomBytes(4).toString('hex')}`;
beforeAll(async () => {
  o = await ownedDatabase('set_role');
  await o.db.sql.unsafe(`create role "${reader}" nologin`);
  expect((await runCli(['--database-url', o.db.url, 'baseline'])).code).toBe(0);
});
afterAll(async () => {
  await o.drop();
  await o.db.sql.unsafe(`drop role if exists "${reader}"`).catch(() => undefined);
});

const asOwner = (...args: string[]) => runCli(['--database-url', o.ownerUrl, ...args]);

/** A project whose one phase's behaviour file (and, optionally, up step) acts as `role`. */
function project(role: string, opts: { upSetsRole?: boolean } = {}) {
  const p = migrationsProject({});
  const phase = path.join(p.phasesDir, '01-fixture');
  mkdirSync(phase);
  writeFileSync(path.join(phase, 'phase.json'), '{"title": "a fixture phase"}\n');
  writeFileSync(path.join(phase, 'up.sql'), `create table fixture (id int);\n${opts.upSetsRole ? `set local role ${role};\nselect 1;\n` : ''}`);
  writeFileSync(path.join(phase, 'behaviour.sql'), `-- migrate:tasks 2\nselect 1;\nset local role ${role};\nselect 2 as task, 'as ${role}' as "check", true as ok, '' as detail;\n`);
  return ['--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir];
}

type Finding = { rule: string; severity: string; file: string; line: number; message: string };
const roleFindings = (body: { findings: Finding[] }) => body.findings.filter((f) => f.rule === 'set-role-not-allowed');

describe('SET ROLE in verify\'s checks, as a database owner who is not a superuser', () => {
  test('plan --remediate on the shipped phases: a warning that the isolation checks need SET ROLE authenticated, and the GRANT', async () => {
    const run = await asOwner(...SHIPPED, 'plan', '--remediate', '--json');
    const found = roleFindings(run.json());
    expect(found).toEqual([expect.objectContaining({
      severity: 'warning',
      file: expect.stringMatching(/0024_sync_preview_progress_logs\.behaviour\.sql$/),
      line: 65,
      message: expect.stringMatching(new RegExp(`^verify's behaviour checks run as role authenticated \\(SET ROLE authenticated\\), .*${o.owner}.*; a superuser can allow it: GRANT authenticated TO ${o.owner};$`)),
    })]);
    const text = await asOwner(...SHIPPED, 'plan', '--remediate');
    expect(text.stdout).toMatch(/warning +set-role-not-allowed +.*0024_sync_preview_progress_logs\.behaviour\.sql:65 +verify's behaviour checks run as role authenticated/);
  });

  test('a role that exists but is not granted: a warning, not a block; granted, the warning goes', async () => {
    const flags = project(reader);
    const run = await asOwner(...flags, 'plan', '--remediate', '--json');
    expect(run.code).toBe(0);
    expect(roleFindings(run.json())).toEqual([expect.objectContaining({
      severity: 'warning',
      line: 3,
      message: `verify's behaviour checks run as role ${reader} (SET ROLE ${reader}), but ${o.owner} is not a member of ${reader}, so they will fail with "permission denied to set role"; a superuser can allow it: GRANT ${reader} TO ${o.owner};`,
    })]);
    await o.db.sql.unsafe(`grant "${reader}" to "${o.owner}"`);
    try {
      const granted = await asOwner(...flags, 'plan', '--remediate', '--json');
      expect(roleFindings(granted.json())).toEqual([]);
    } finally {
      await o.db.sql.unsafe(`revoke "${reader}" from "${o.owner}"`);
    }
  });

  test('a role that does not exist yet: the warning says the owner will need it once created', async () => {
    const run = await asOwner(...project(absent), 'plan', '--remediate', '--json');
    expect(roleFindings(run.json())).toEqual([expect.objectContaining({
      message: `verify's behaviour checks run as role ${absent} (SET ROLE ${absent}), which does not exist yet; once a unit creates it, ${o.owner} (not a superuser) must be a member of it too; a superuser can allow it: GRANT ${absent} TO ${o.owner};`,
    })]);
  });

  test('an up step that SETs ROLE to a role the user may not take blocks the plan (exit 3)', async () => {
    const run = await asOwner(...project(reader, { upSetsRole: true }), 'plan', '--remediate', '--json');
    expect(run.code).toBe(3);
    expect(roleFindings(run.json()).map((f) => [f.severity, path.basename(f.file), f.line])).toEqual([['warning', 'behaviour.sql', 3], ['error', 'up.sql', 2]]);
  });

  test('a superuser may take any role: no finding', async () => {
    const run = await runCli(['--database-url', o.db.url, ...project(reader), 'plan', '--remediate', '--json']);
    expect(roleFindings(run.json())).toEqual([]);
  });

  test('remediate says it on stderr before the first change, and in its output, and still applies', async () => {
    const run = await asOwner(...project(reader), 'remediate', '--yes', '--json');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`^warning: .*behaviour\\.sql:3: verify's behaviour checks run as role ${reader} .*GRANT ${reader} TO ${o.owner};$`, 'm'));
    const body = run.json();
    expect(body.units.map((u: { name: string; action: string }) => [u.name, u.action])).toEqual([['01-fixture', 'applied']]);
    expect(body.warnings).toEqual([expect.stringMatching(new RegExp(`behaviour\\.sql:3: .*GRANT ${reader} TO ${o.owner};$`))]);
    const text = await asOwner(...project(reader), 'remediate', '--yes');
    expect(text.stdout).toMatch(new RegExp(`^warning: .*behaviour\\.sql:3: verify's behaviour checks run as role ${reader}`, 'm'));
  });
});
