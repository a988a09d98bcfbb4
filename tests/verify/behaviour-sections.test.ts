import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { tempDir } from '../harness/tmp';

/**
 * The sectioned behaviour format: a setup, then `-- check: NAME task: N` sections, each in
 * a savepoint of its own. An error fails its check only, at its file's line, in the server's
 * words; a failing setup blocks the checks; a failing row names the object it is about.
 */
interface Check { name: string; status: string; detail: string; object?: string; expected?: string; found?: string; query?: string; sql?: string; source?: string; missing?: string[] }
interface Report { approved: boolean; tasks: Array<{ id: number; status: string; checks: Check[] }> }

let db: TestDatabase;
const dir = tempDir('behaviour-sections-');
const behaviourFile = path.join(dir, '0001_counter.behaviour.sql');

const FUNCTION = `FUNCTION public.touch_counter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.touched := OLD.touched + 1;
    RETURN NEW;
END
$$`;
const UP = `CREATE TABLE public.counter (id int PRIMARY KEY, n int NOT NULL DEFAULT 0, touched int NOT NULL DEFAULT 0);
CREATE ${FUNCTION};
CREATE TRIGGER counter_touch BEFORE UPDATE ON public.counter FOR EACH ROW EXECUTE FUNCTION public.touch_counter();
`;

const BEHAVIOUR = (setupInsert: string) => `-- setup
${setupInsert}
-- check: the trigger counts updates task: 4
-- object: trigger counter_touch on public.counter
UPDATE public.counter SET n = 1 WHERE id = 1;
SELECT touched = 1 AS ok, '1' AS expected, touched::text AS found FROM public.counter WHERE id = 1;
-- check: a statement that fails task: 4
-- object: function public.touch_counter()
UPDATE public.counter SET n = 2 WHERE id = 1;
SELECT 1 / (touched - touched) AS boom FROM public.counter WHERE id = 1;
-- check: checks do not see each other's writes task: 1
SELECT n = 0 AS ok, format('n is %s', n) AS detail FROM public.counter WHERE id = 1;
-- check: a row that is not ok names its object task: 1
SELECT false AS ok, 'column public.counter.n' AS object, 'n > 0' AS expected, 'n = 0' AS found;
`;

async function verify(): Promise<Report> {
  const run = await runCli(['--database-url', db.url, '--migrations-dir', dir, 'verify', '--format', 'json']);
  expect(run.code).toBe(4);
  return run.json() as Report;
}
const checks = (r: Report) => Object.fromEntries(r.tasks.flatMap((t) => t.checks.filter((c) => c.source === 'behaviour').map((c) => [c.name, { ...c, task: t.id }])));

beforeAll(async () => {
  db = await freshDatabase('behaviour_sections');
  writeFileSync(path.join(dir, '0001_counter.sql'), UP);
  writeFileSync(path.join(dir, '0001_counter.down.sql'), 'DROP TABLE public.counter;\nDROP FUNCTION public.touch_counter();\n');
  writeFileSync(behaviourFile, BEHAVIOUR('INSERT INTO public.counter (id) VALUES (1);'));
  const up = await runCli(['--database-url', db.url, '--migrations-dir', dir, 'up']);
  if (up.code !== 0) throw new Error(`up failed: ${up.stderr}`);
});
afterAll(async () => db.drop());

test('an error fails its own check at its line, in the server\'s words; the others run and pass or fail on their own', async () => {
  const c = checks(await verify());
  expect(c['the trigger counts updates']).toMatchObject({ status: 'pass', task: 4, found: '1', object: 'trigger counter_touch on public.counter' });
  const boom = c['a statement that fails'];
  // Line 10 of the file holds the division by zero; the detail names the object and the server's error.
  expect(boom).toMatchObject({ status: 'fail', task: 4, object: 'function public.touch_counter()' });
  expect(boom.detail).toMatch(/^function public\.touch_counter\(\): failed at .*0001_counter\.behaviour\.sql:10: division by zero \[22012\]$/);
  expect(boom.sql).toContain('SELECT 1 / (touched - touched)');
  expect(boom.query).toMatch(/0001_counter\.behaviour\.sql:7-10, after the setup .*:1-2; in a savepoint, rolled back$/);
  // Each check's savepoint is rolled back: the updates of the checks before are not seen.
  expect(c["checks do not see each other's writes"]).toMatchObject({ status: 'pass', task: 1, detail: 'n is 0' });
  expect(c['a row that is not ok names its object']).toMatchObject({ status: 'fail', task: 1, object: 'column public.counter.n', expected: 'n > 0', found: 'n = 0' });
  expect(c['a row that is not ok names its object'].detail).toBe('column public.counter.n: expected n > 0; happened: n = 0');
});

test('a failing setup blocks every check, naming its line and error, and fails none', async () => {
  writeFileSync(behaviourFile, BEHAVIOUR('INSERT INTO public.counter (id, missing_column) VALUES (1, 1);'));
  try {
    const r = await verify();
    const c = Object.values(checks(r));
    expect(c).toHaveLength(4);
    for (const x of c) {
      expect(x.status).toBe('blocked');
      expect(x.detail).toMatch(/^not run: the setup failed at .*0001_counter\.behaviour\.sql:2: column "missing_column" of relation "counter" does not exist/);
    }
    expect(r.tasks.find((t) => t.id === 4)!.status).toBe('blocked');
  } finally {
    writeFileSync(behaviourFile, BEHAVIOUR('INSERT INTO public.counter (id) VALUES (1);'));
  }
});

test('a trigger function made a no-op fails the trigger\'s behaviour and its derived definition, both in task 4', async () => {
  await db.sql.unsafe('CREATE OR REPLACE FUNCTION public.touch_counter() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$');
  try {
    const r = await verify();
    const t4 = r.tasks.find((t) => t.id === 4)!;
    expect(t4.checks.find((c) => c.name === 'the trigger counts updates')).toMatchObject({ status: 'fail', detail: 'trigger counter_touch on public.counter: expected 1; happened: 0' });
    const fn = t4.checks.find((c) => c.name === 'function public.touch_counter()')!;
    expect(fn).toMatchObject({ status: 'fail', source: 'derived' });
    expect(fn.detail).toMatch(/^function public\.touch_counter\(\) differs in body; its body is now: BEGIN RETURN NEW; END; made by 0001_counter \(.*0001_counter\.sql:2\)$/);
  } finally {
    await db.sql.unsafe(`CREATE OR REPLACE ${FUNCTION}`);
  }
});
