import type { Node } from '../../analysis/ast';
import type { Session } from '../../db/session';
import type { Unit } from '../../engine/units';
import type { TaskCheck } from '../tasks';
import { serverDefs } from './catalog';
import { compareDeclared } from './compare';
import { deriveDeclared } from './declared';
import { canonicalConstants, typeKey } from './normalize';

/**
 * The catalog checks derived from the units' own SQL: what the units (in order) declare,
 * against the server's definitions, one round trip for the definitions and one for the
 * typed constants the units wrote.
 */
export async function derivedChecks(s: Session, units: readonly Unit[]): Promise<TaskCheck[]> {
  const { objects } = await deriveDeclared(units, typeKey);
  const declared = [...objects.values()];
  if (declared.length === 0) return [];
  const trees: Node[] = declared.flatMap((d) => [d.tree, d.default].filter((t) => t != null));
  await canonicalConstants(trees, (pairs) => castOnServer(s, pairs));
  const tables = [...new Set(declared.flatMap((d) => (d.table ? [d.table] : [])))];
  const functions = [...new Set(declared.filter((d) => d.kind === 'function').map((d) => d.key.replace(/\(.*$/, '')))];
  const enums = declared.filter((d) => d.kind === 'enum').map((d) => d.key);
  return compareDeclared(declared, await serverDefs(s, tables, functions, enums));
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
