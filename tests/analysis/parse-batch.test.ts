import fs from 'node:fs';
import path from 'node:path';
import { parseSql } from '../../src/analysis/parse';
import { parseAll, parseEach } from '../../src/analysis/parse-batch';

/** Every .sql file under a folder, sorted. */
function sqlFiles(dir: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sqlFiles(p));
    else if (e.name.endsWith('.sql')) out.push({ file: p, text: fs.readFileSync(p, 'utf8') });
  }
  return out;
}

const root = path.join(__dirname, '..', '..');
/** Files that break a joined parse in each way the batch must notice: errors, quotes and comments running into the next file. */
const TRICKY = [
  'select 1', "select 'abc", '/* open', 'select 1; /*', '*/ select 2;', '-- only a comment', '', '  \n', ';', 'select 1 -- no newline',
  'create function f() returns int begin atomic select 1; end', 'do $$ begin', 'end $$;', "select 'é' as x; select 2", 'sel ect',
  'select 1;\n-- trailing', 'begin; commit', '\n\n  select  2  ;  \n', "insert into t values ('ü'), ('x');\nupdate t set a = 1",
].map((text, i) => ({ file: `tricky_${i}.sql`, text }));

describe('parseAll', () => {
  it('gives each file exactly what parseSql gives it alone (trees, positions, errors), in either order', async () => {
    const files = [...sqlFiles(path.join(root, 'tests', 'corpus')), ...sqlFiles(path.join(root, 'database')), ...TRICKY];
    for (const order of [files, [...files].reverse()]) {
      const batched = await parseAll(order);
      const alone = await Promise.all(order.map((f) => parseSql(f.file, f.text)));
      expect(batched.map((r) => JSON.stringify(r))).toEqual(alone.map((r) => JSON.stringify(r)));
    }
    expect(files.length).toBeGreaterThan(40);
  });

  it('tells each result in file order, a batch at a time', async () => {
    const files = Array.from({ length: 150 }, (_, i) => ({ file: `${i}.sql`, text: `create table t${i} (id int);\nselect ${i}` }));
    const seen: number[] = [];
    await parseEach(files, (r, i) => {
      seen.push(i);
      expect(r.ok && r.statements.map((s) => [s.index, s.line, s.offset, s.text])).toEqual([[0, 1, 0, `create table t${i} (id int)`], [1, 2, files[i].text.indexOf('select'), `select ${i}`]]);
    });
    expect(seen).toEqual(files.map((_, i) => i));
  });
});
