import { Names } from '../analysis/names';
import { parseSql } from '../analysis/parse';
import { catalogFacts } from '../db/catalog-facts';
import { stepTransaction } from '../analysis/transaction';
import type { Session } from '../db/session';
import type { Unit, UnitFile } from './units';
import { toUnitFailed } from './failure';

/**
 * Whether a step runs inside a transaction, by the analysis `plan` shows (its first line, the
 * table of statement kinds; for a CLUSTER of one table, whether the catalog says it is
 * partitioned). A file that does not parse runs in one: it fails there, changing nothing.
 */
export async function runsInTransaction(file: UnitFile, s?: Session): Promise<boolean> {
  const r = await parseSql(file.path, file.text);
  if (!r.ok) return true;
  const names = new Names();
  const clustered = r.statements.map((st) => names.relation(st.node?.ClusterStmt?.relation)).filter((x): x is NonNullable<typeof x> => !!x);
  const facts = s && clustered.length ? await catalogFacts(s, clustered.map((c) => ({ kind: 'relation', name: c.name }))) : undefined;
  return stepTransaction(file.text, r.statements, { partitioned: (t) => !!facts?.table(t)?.partitioned }).transactional;
}

/** Statements of a step, and the index names (schema.name) it builds with CREATE INDEX CONCURRENTLY. */
async function concurrentIndexes(file: UnitFile): Promise<{ statements: Array<{ text: string; line: number }>; indexes: string[] }> {
  const r = await parseSql(file.path, file.text);
  if (!r.ok) return { statements: [{ text: file.text, line: 1 }], indexes: [] };
  const indexes: string[] = [];
  for (const st of r.statements) {
    const ix = st.node?.IndexStmt;
    if (ix?.concurrent && ix.idxname) indexes.push(`${ix.relation?.schemaname ?? 'public'}.${ix.idxname}`);
  }
  return { statements: r.statements.map((st) => ({ text: st.text, line: st.line })), indexes };
}

/**
 * A failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind that blocks a retry
 * and slows writes; drop the ones this unit owns, and say so.
 */
async function dropInvalid(s: Session, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const rows = await s.query<{ name: string; stmt: string }>(
    `select n.nspname || '.' || c.relname as name, format('drop index concurrently if exists %I.%I', n.nspname, c.relname) as stmt
       from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
      where not i.indisvalid and n.nspname || '.' || c.relname = any(array(select json_array_elements_text($1::text::json)))`,
    [JSON.stringify(names)],
  );
  for (const r of rows) await s.script(r.stmt, 'invalid-index cleanup');
  return rows.map((r) => r.name);
}

/**
 * Runs a step that cannot be in a transaction (the up step, or at rollback the down step):
 * statement by statement (a multi-statement query would be an implicit transaction), cleaning
 * invalid indexes before and after; `beforeEach` runs before every statement (the run-lock
 * check). Returns notes for the report.
 */
export async function runOutsideTransaction(s: Session, unit: Unit, direction: 'up' | 'down' = 'up', beforeEach: () => Promise<void> = async () => undefined): Promise<string[]> {
  const file = direction === 'up' ? unit.up : unit.down!;
  const { statements, indexes } = await concurrentIndexes(file);
  const notes = (await dropInvalid(s, indexes)).map((n) => `dropped invalid index ${n} left by an earlier failed attempt`);
  for (const st of statements) {
    try {
      await beforeEach();
      await s.script(st.text, file.path);
    } catch (err) {
      const dropped = await dropInvalid(s, indexes).catch(() => []);
      // The server's position is within the statement: place the statement at its line of the file.
      const at = { path: file.path, text: '\n'.repeat(st.line - 1) + st.text };
      throw toUnitFailed(unit, direction, at, err,
        `this ${direction} step ran outside a transaction: statements before line ${st.line} stay applied${dropped.length ? `; dropped invalid index ${dropped.join(', ')}` : ''}; fix and run again`);
    }
  }
  return notes;
}
