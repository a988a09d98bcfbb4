import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { tempDir } from '../harness/tmp';

/**
 * Catalog checks derived from the units' own SQL, no expect.json: a later unit that alters
 * an object changes what is expected of it, and a change made by hand afterwards is drift
 * against what the units made, naming the object, what differs and the units.
 */
interface Check { name: string; status: string; detail: string; unit?: string; source?: string; expected?: string; found?: string; sql?: string }
interface Report { approved: boolean; tasks: Array<{ id: number; status: string; checks: Check[] }> }

let db: TestDatabase;
const dir = tempDir('derived-');
const verify = async () => {
  const run = await runCli(['--database-url', db.url, '--migrations-dir', dir, 'verify', '--format', 'json', '--read-only']);
  return { code: run.code, report: run.json() as Report };
};
const check = (r: Report, name: string) => r.tasks.flatMap((t) => t.checks.map((c) => ({ ...c, task: t.id }))).find((c) => c.name === name);

beforeAll(async () => {
  db = await freshDatabase('derived');
  writeFileSync(path.join(dir, '0001_items.sql'), `CREATE TYPE public.item_state AS ENUM ('new', 'done');
CREATE TABLE public.item (
    id int PRIMARY KEY,
    state public.item_state NOT NULL DEFAULT 'new',
    price numeric(10,2) CHECK (price >= 0),
    ttl interval DEFAULT interval '1 hour',
    code varchar(20) UNIQUE
);
CREATE INDEX item_open ON public.item (state, id DESC) WHERE state <> 'done';
`);
  writeFileSync(path.join(dir, '0002_items_more.sql'), `ALTER TYPE public.item_state ADD VALUE 'held' BEFORE 'done';
ALTER TABLE public.item ALTER COLUMN ttl SET DEFAULT interval '2 hours';
ALTER TABLE public.item ADD COLUMN note text NOT NULL DEFAULT '';
`);
  writeFileSync(path.join(dir, '0001_items.down.sql'), 'DROP TABLE public.item;\nDROP TYPE public.item_state;\n');
  writeFileSync(path.join(dir, '0002_items_more.down.sql'), "ALTER TABLE public.item DROP COLUMN note;\nALTER TABLE public.item ALTER COLUMN ttl SET DEFAULT interval '1 hour';\n");
  const up = await runCli(['--database-url', db.url, '--migrations-dir', dir, 'up']);
  if (up.code !== 0) throw new Error(`up failed: ${up.stderr}`);
});
afterAll(async () => db.drop());

test('the units as applied: every derived check passes, the later unit\'s changes included', async () => {
  const { report } = await verify();
  const derived = report.tasks.flatMap((t) => t.checks).filter((c) => c.source === 'derived');
  expect(derived.filter((c) => c.status !== 'pass')).toEqual([]);
  expect(derived.map((c) => c.name)).toEqual(expect.arrayContaining([
    'table public.item', 'column public.item.ttl', 'column public.item.note', 'index public.item_open', 'enum public.item_state',
    'check constraint item_price_check on public.item', 'unique constraint item_code_key on public.item', 'primary key item_pkey on public.item',
  ]));
  expect(check(report, 'enum public.item_state')!.detail).toBe('new, held, done');
});

test('a default put back to what the first unit said is drift against the second unit', async () => {
  await db.sql.unsafe("ALTER TABLE public.item ALTER COLUMN ttl SET DEFAULT interval '1 hour'");
  try {
    const { code, report } = await verify();
    expect(code).toBe(4);
    const ttl = check(report, 'column public.item.ttl')!;
    expect(ttl).toMatchObject({ status: 'fail', task: 1, unit: '0001_items', found: "interval default '01:00:00'::interval" });
    expect(ttl.detail).toMatch(/^column public\.item\.ttl: default: expected as declared \(.*2 hours.*\), found '01:00:00'::interval; made by 0001_items \(.*0001_items\.sql:6\), changed by 0002_items_more \(.*0002_items_more\.sql:2\)$/);
    expect(report.tasks.filter((t) => t.status === 'fail').map((t) => t.id)).toEqual([1]);
  } finally {
    await db.sql.unsafe("ALTER TABLE public.item ALTER COLUMN ttl SET DEFAULT interval '2 hours'");
  }
});

test('a check constraint and an index predicate changed by hand: each names what differs', async () => {
  await db.sql.unsafe(`ALTER TABLE public.item DROP CONSTRAINT item_price_check, ADD CONSTRAINT item_price_check CHECK (price > 0);
                       DROP INDEX public.item_open; CREATE INDEX item_open ON public.item (state, id DESC)`);
  try {
    const { report } = await verify();
    expect(check(report, 'check constraint item_price_check on public.item')!.detail).toMatch(/^item_price_check differs in expression: found CHECK \(\(price > \(0\)::numeric\)\); made by 0001_items/);
    expect(check(report, 'index public.item_open')!.detail).toMatch(/^index public\.item_open differs in predicate \(WHERE\): found CREATE INDEX item_open ON public\.item USING btree \(state, id DESC\); made by 0001_items/);
    expect(report.tasks.filter((t) => t.status === 'fail').map((t) => t.id)).toEqual([1, 3]);
  } finally {
    await db.sql.unsafe(`ALTER TABLE public.item DROP CONSTRAINT item_price_check, ADD CONSTRAINT item_price_check CHECK (price >= 0);
                         DROP INDEX public.item_open; CREATE INDEX item_open ON public.item (state, id DESC) WHERE state <> 'done'`);
  }
});
