import type { Node } from '../../analysis/ast';
import { serverErrorMessage, type Session } from '../../db/session';
import type { Unit } from '../../engine/units';
import type { TaskCheck } from '../tasks';
import { mergeDefs, serverDefs, type ServerDefs } from './catalog';
import { compareDeclared } from './compare';
import { deriveDeclared } from './declared';
import { canonicalConstants, typeKey } from './normalize';

/**
 * The catalog checks derived from the units' own SQL: what the units (in order) declare,
 * against the server's definitions, one round trip for the definitions and one for the
 * typed constants the units wrote.
 */
export async function derivedChecks(s: Session, units: readonly Unit[]): Promise<TaskCheck[]> {
  const { objects } = await derivation(units);
  const declared = [...objects.values()];
  if (declared.length === 0) return [];
  const trees: Node[] = declared.flatMap((d) => [d.tree, d.default].filter((t) => t != null));
  await canonicalConstants(trees, (pairs) => castOnServer(s, pairs));
  const tables = [...new Set(declared.flatMap((d) => (d.table ? [d.table] : [])))];
  const functions = [...new Set(declared.filter((d) => d.kind === 'function').map((d) => d.key.replace(/\(.*$/, '')))];
  const enums = declared.filter((d) => d.kind === 'enum').map((d) => d.key);
  const { defs, busy } = await readDefinitions(s, tables, functions, enums);
  return compareDeclared(declared, defs, busy);
}

const LOCK_NOT_AVAILABLE = '55P03';

/** One derivation per set of unit files in a process: verify asks for the tables first, then for the checks. */
const derived = new Map<string, ReturnType<typeof deriveDeclared>>();
function derivation(units: readonly Unit[]): ReturnType<typeof deriveDeclared> {
  const key = units.map((u) => `${u.name}:${u.checksum}`).join('|');
  if (!derived.has(key)) derived.set(key, deriveDeclared(units, typeKey));
  return derived.get(key)!;
}

/** The tables the units' own SQL creates, as "schema.name". */
export async function derivedTables(units: readonly Unit[]): Promise<string[]> {
  const { objects } = await derivation(units);
  return [...objects.values()].filter((d) => d.kind === 'table').map((d) => d.key);
}

/**
 * The server's definitions; the deparsers (pg_get_indexdef, pg_get_expr, …) take a share
 * lock on their table, so a table locked by someone else is read on its own and, if its
 * lock is not granted within lock_timeout, reported busy rather than waited for.
 */
async function readDefinitions(s: Session, tables: string[], functions: string[], enums: string[]): Promise<{ defs: ServerDefs; busy: Map<string, string> }> {
  const busy = new Map<string, string>();
  try {
    return { defs: await serverDefs(s, tables, functions, enums), busy };
  } catch (err) {
    if ((err as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw err;
  }
  const parts = [await serverDefs(s, [], functions, enums)];
  for (const t of tables) {
    try {
      parts.push(await serverDefs(s, [t], [], []));
    } catch (err) {
      if ((err as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw err;
      busy.set(t, `could not check: busy (a lock on ${t} was not granted within lock_timeout ${s.timeouts.lockTimeout}: ${serverErrorMessage(err)})`);
    }
  }
  return { defs: mergeDefs(parts), busy };
}

/** Each constant in the server's spelling of its type ('1 hour' → '01:00:00'); null where it cannot say. */
async function castOnServer(s: Session, pairs: Array<{ value: string; type: string }>): Promise<Array<string | null>> {
  const out: Array<string | null> = [];
  for (const p of pairs) {
    // The type is spliced quoted (normalize.sqlTypeName); the value travels as a parameter. A savepoint keeps a failed cast from aborting anything.
    const v = await s.transaction((tx) => tx.query<{ v: string }>(`select ($1::text)::${p.type}::text as v`, [p.value])).then((r) => r[0]?.v ?? null, () => null);
    out.push(v);
  }
  return out;
}
