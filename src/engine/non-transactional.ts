import { parseSql } from '../analysis/parse';
import type { Session } from '../db/session';
import type { Unit } from './units';
import { toUnitFailed } from './failure';

/** Index names (schema.name) that the unit builds with CREATE INDEX CONCURRENTLY. */
async function concurrentIndexes(unit: Unit): Promise<{ statements: Array<{ text: string; line: number }>; indexes: string[] }> {
  const r = await parseSql(unit.up.path, unit.up.text);
  if (!r.ok) return { statements: [{ text: unit.up.text, line: 1 }], indexes: [] };
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
 * Runs a unit that cannot be in a transaction: statement by statement (a multi-statement
 * query would be an implicit transaction), cleaning invalid indexes before and after;
 * `beforeEach` runs before every statement (the run-lock check). Returns notes for the report.
 */
export async function runOutsideTransaction(s: Session, unit: Unit, beforeEach: () => Promise<void> = async () => undefined): Promise<string[]> {
  const { statements, indexes } = await concurrentIndexes(unit);
  const notes = (await dropInvalid(s, indexes)).map((n) => `dropped invalid index ${n} left by an earlier failed attempt`);
  for (const st of statements) {
    try {
      await beforeEach();
      await s.script(st.text, unit.up.path);
    } catch (err) {
      const dropped = await dropInvalid(s, indexes).catch(() => []);
      throw toUnitFailed(unit, 'up', unit.up, err,
        `this unit ran outside a transaction: statements before line ${st.line} stay applied${dropped.length ? `; dropped invalid index ${dropped.join(', ')}` : ''}; fix and run again`);
    }
  }
  return notes;
}
